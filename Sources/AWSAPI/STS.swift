import Cloud
import FoundationEssentials
import Runtime

/// AWS Security Token Service: how the platform gets into a customer's account without keys.
public struct STS: Sendable {
    public struct AssumedRole: Sendable {
        public let credentials: AWSCredentials
        public let expiration: Date
        public let assumedRoleARN: String
    }

    public struct CallerIdentity: Sendable, Equatable {
        public let account: String
        public let arn: String
        public let userID: String
    }

    let client: AWSQueryClient

    public init(region: String, credentials: AWSCredentials, environment: Environment = Environment()) {
        client = AWSQueryClient(service: "sts", version: "2011-06-15", region: region, credentials: credentials, environment: environment)
    }

    /// Short-lived credentials for the customer's role, gated by the workspace's external ID.
    public func assumeRole(roleARN: String, sessionName: String, externalID: String, duration: Duration = .seconds(3600)) async throws(AWSError) -> AssumedRole {
        let answer = try await client.call("AssumeRole", [
            ("RoleArn", roleARN), ("RoleSessionName", sessionName), ("ExternalId", externalID),
            ("DurationSeconds", String(duration.components.seconds)),
        ])
        guard let keyID = answer.value("AccessKeyId"), let secret = answer.value("SecretAccessKey"), let token = answer.value("SessionToken"),
              let expiration = answer.value("Expiration").flatMap(Self.parseTimestamp) else {
            throw AWSError(code: "InvalidResponse", message: "AssumeRole answered without credentials", httpStatus: 200)
        }
        return AssumedRole(
            credentials: AWSCredentials(accessKeyID: keyID, secretAccessKey: secret, sessionToken: token),
            expiration: expiration, assumedRoleARN: answer.value("Arn") ?? "")
    }

    public func callerIdentity() async throws(AWSError) -> CallerIdentity {
        let answer = try await client.call("GetCallerIdentity")
        return CallerIdentity(account: answer.value("Account") ?? "", arn: answer.value("Arn") ?? "", userID: answer.value("UserId") ?? "")
    }

    /// `2026-11-24T15:00:00Z` or with fractional seconds.
    public static func parseTimestamp(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
