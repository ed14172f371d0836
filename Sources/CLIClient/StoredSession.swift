import Foundation

/// One profile's login as the CLI keeps it (sealed, or in the system keyring): the CLI session's
/// tokens, the workspace commands default to, and AWS credentials cached for `credentials`.
public struct StoredSession: Codable, Sendable {
    public var apiURL: String
    public var userID: String
    public var sessionID: String
    public var clientName: String
    public var refreshToken: String
    public var accessToken: String
    public var accessTokenExpiresAt: Date
    public var workspace: String?
    /// By the `--identity` argument as given (an ID or a name), so a cache hit needs no network.
    public var awsCredentials: [String: AWSCredentials]

    public init(apiURL: String, tokens: TokenAnswer, clientName: String) {
        self.apiURL = apiURL
        userID = tokens.userID
        sessionID = tokens.sessionID
        self.clientName = clientName
        refreshToken = tokens.refreshToken
        accessToken = tokens.accessToken
        accessTokenExpiresAt = tokens.expiresAt
        workspace = nil
        awsCredentials = [:]
    }

    public mutating func replaceTokens(with tokens: TokenAnswer) {
        refreshToken = tokens.refreshToken
        accessToken = tokens.accessToken
        accessTokenExpiresAt = tokens.expiresAt
    }
}

/// Temporary AWS credentials, as `credential_process` prints them.
public struct AWSCredentials: Codable, Sendable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var sessionToken: String
    /// As the platform wrote it (ISO 8601), passed on unchanged.
    public var expiration: String
    public var expiresAt: Date

    /// botocore refreshes below 15 minutes left (and blocks below 10), so anything handed out
    /// must have more than that, or every AWS call in that window would run the CLI again.
    public static let minimumRemaining: TimeInterval = 15 * 60

    public func isFresh(now: Date = Date()) -> Bool { expiresAt.timeIntervalSince(now) > Self.minimumRemaining }

    /// The platform's answer: `{"Version":1,"AccessKeyId","SecretAccessKey","SessionToken","Expiration"}`.
    public init(platformAnswer json: [String: Any]) throws(CLIError) {
        guard let key = json["AccessKeyId"] as? String, let secret = json["SecretAccessKey"] as? String,
              let token = json["SessionToken"] as? String, let expiration = json["Expiration"] as? String,
              let expiresAt = ISO8601DateFormatter().date(from: expiration) else {
            throw .failure("the platform's credentials answer is not credential_process JSON")
        }
        accessKeyID = key
        secretAccessKey = secret
        sessionToken = token
        self.expiration = expiration
        self.expiresAt = expiresAt
    }

    /// AWS `credential_process` output (Version 1).
    public var credentialProcessJSON: String {
        jsonText(["Version": 1, "AccessKeyId": accessKeyID, "SecretAccessKey": secretAccessKey, "SessionToken": sessionToken, "Expiration": expiration])
    }

    /// The AWS SDKs' container credentials provider's shape (`Token`, not `SessionToken`).
    public var containerCredentialsJSON: String {
        jsonText(["AccessKeyId": accessKeyID, "SecretAccessKey": secretAccessKey, "Token": sessionToken, "Expiration": expiration])
    }
}

func jsonText(_ object: Any) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return "{}" }
    return String(decoding: data, as: UTF8.self)
}
