/// The AWS-managed policies a scanning role may carry. Anything else — another managed policy, a
/// customer-managed one, any inline policy — could let the role write, so onboarding refuses it.
public enum ReadOnlyPolicies {
    public static let allowed: Set<String> = [
        "SecurityAudit", "ReadOnlyAccess", "job-function/ViewOnlyAccess", "AmazonEC2ReadOnlyAccess", "AmazonS3ReadOnlyAccess",
        "IAMReadOnlyAccess", "AWSCloudTrail_ReadOnlyAccess", "AmazonRDSReadOnlyAccess", "AmazonVPCReadOnlyAccess",
        "AmazonGuardDutyReadOnlyAccess",
    ]

    /// Whether `arn` is one of the allowed AWS-managed policies (`arn:aws:iam::aws:policy/…` in any partition).
    public static func isAllowed(_ arn: String) -> Bool {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "iam", parts[4] == "aws", parts[5].hasPrefix("policy/") else { return false }
        return allowed.contains(String(parts[5].dropFirst("policy/".count)))
    }
}

/// An IAM role ARN, parsed: `arn:aws:iam::123456789012:role/path/Name`.
public struct RoleARN: Sendable, Equatable {
    public let value: String
    public let account: String
    public let name: String

    /// The one definition of a valid role ARN, stricter than the database's CHECK so that nothing
    /// accepted here is refused there: ASCII only (IAM's `[\w+=,.@-]` means ASCII word characters;
    /// Swift's `\w` would also take `é` or Arabic digits), at most 2048 bytes.
    public init?(_ text: String) {
        guard text.utf8.count <= 2048, text.utf8.allSatisfy({ $0 >= 0x21 && $0 < 0x7F }),
              let match = text.wholeMatch(of: /arn:aws(?:-[a-z]+)*:iam::([0-9]{12}):role\/((?:[A-Za-z0-9_+=,.@-]+\/)*)([A-Za-z0-9_+=,.@-]{1,64})/) else {
            return nil
        }
        value = text
        account = String(match.1)
        name = String(match.3)
    }
}
