/// A failure the CLI reports as one line on stderr, with the exit code scripts rely on (gh's
/// convention): 1 an error, 2 a usage error, 4 authentication required.
public struct CLIError: Error, CustomStringConvertible {
    public enum Kind: Int32, Sendable {
        case failure = 1
        case usage = 2
        case authenticationRequired = 4
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public static func failure(_ message: String) -> CLIError { CLIError(.failure, message) }
    public static func usage(_ message: String) -> CLIError { CLIError(.usage, message) }
    public static func authenticationRequired(_ message: String) -> CLIError { CLIError(.authenticationRequired, message) }

    public var description: String { message }
}
