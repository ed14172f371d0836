#if canImport(Glibc)
import Glibc
#endif

/// Process environment lookups with clear errors for configuration a function cannot run without.
public struct Environment: Sendable {
    public init() {}

    public subscript(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let string = String(cString: value)
        return string.isEmpty ? nil : string
    }

    /// The variable's value, or an init error that names the missing variable.
    public func required(_ name: String) throws -> String {
        guard let value = self[name] else { throw ConfigurationError(message: "environment variable \(name) is not set") }
        return value
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
