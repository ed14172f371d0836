#if canImport(Glibc)
import Glibc
#endif

/// Process environment lookups with clear errors for configuration a function cannot run without.
public struct Environment: Sendable {
    private let values: [String: String]?

    /// The process environment.
    public init() { values = nil }

    /// Fixed values instead of the process environment (tests, tools).
    public init(values: [String: String]) { self.values = values }

    public subscript(_ name: String) -> String? {
        if let values { return values[name].flatMap { $0.isEmpty ? nil : $0 } }
        guard let value = getenv(name) else { return nil }
        let string = String(cString: value)
        return string.isEmpty ? nil : string
    }

    /// The variable's value, or an init error that names the missing variable.
    /// `PLATFORM_URL` as the platform's tokens carry it in `iss`: without a trailing slash, so
    /// what customers are told to trust is byte for byte what the tokens say.
    public func platformIssuer() throws -> String {
        let configured = try required("PLATFORM_URL")
        return configured.hasSuffix("/") ? String(configured.dropLast()) : configured
    }

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
