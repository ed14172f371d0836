import Runtime

/// Temporary (or, for the platform itself, execution-role) AWS credentials. Held in memory for
/// one job; never written to the database or a log — `description` does not show them.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public let accessKeyID: String
    public let secretAccessKey: String
    public let sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    /// The platform's own base credentials from the standard variables (`AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`); on Lambda, its execution role's.
    public init(environment: Environment) throws {
        self.init(
            accessKeyID: try environment.required("AWS_ACCESS_KEY_ID"), secretAccessKey: try environment.required("AWS_SECRET_ACCESS_KEY"),
            sessionToken: environment["AWS_SESSION_TOKEN"])
    }

    public var description: String { "AWSCredentials(\(accessKeyID.prefix(4))…, redacted)" }
}
