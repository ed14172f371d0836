import AWSAPI
import Cloud
import Domain
import FoundationEssentials
import Runtime

/// Proves that a customer's role lets the platform in only with this workspace's external ID —
/// the confused-deputy defence — in two independent ways:
///
/// 1. A probe: `AssumeRole` with a freshly made, wrong external ID must be refused. (Real AWS also
///    refuses a missing external ID when the condition exists; the local emulator lets a missing
///    one through, so a wrong one is the probe that works everywhere.) The customer's CloudTrail
///    shows this deliberately failed call, with a session name ending in `-trust-probe`.
/// 2. The trust policy itself, read with `iam:GetRole` (which the read-only policies allow),
///    judged by `RoleTrustPolicy`: no statement may let the platform's account in without
///    `StringEquals` on `sts:ExternalId` equal to this workspace's external ID.
public struct RoleTrustCheck: Sendable {
    public enum Verdict: Sendable, Equatable {
        case pinned
        /// The role would let another workspace (or anyone) in; the reasons say how.
        case unpinned([String])
        /// The role's own credentials cannot read its trust policy.
        case unreadable
    }

    let platform: AWSCredentials
    let platformAccount: String
    let region: String
    let environment: Environment

    /// `PLATFORM_AWS_ACCOUNT_ID` is the account the customer's trust policy names.
    public init(environment: Environment) throws {
        platform = try AWSCredentials(environment: environment)
        platformAccount = try environment.required("PLATFORM_AWS_ACCOUNT_ID")
        region = environment["AWS_REGION"] ?? "us-east-1"
        self.environment = environment
    }

    /// `assumed` are credentials already obtained for the role with the right external ID.
    public func verify(role: RoleARN, externalID: ExternalID, organization: UUID, assumed: AWSCredentials) async throws(AWSError) -> Verdict {
        do {
            _ = try await STS(region: region, credentials: platform, environment: environment).assumeRole(
                roleARN: role.value, sessionName: "zcp-\(organization.uuidString.prefix(8).lowercased())-trust-probe", externalID: ExternalID.probe().value,
                duration: .seconds(900))
            return .unpinned(["AWS let the platform assume the role with a wrong external ID: its trust policy has no sts:ExternalId condition that AWS enforces"])
        } catch where error.isAccessDenied {
            // What a pinned role answers.
        }

        let iam = AWSQueryClient(service: "iam", version: "2010-05-08", region: region, credentials: assumed, environment: environment)
        let text: String
        do throws(AWSError) {
            guard let document = try await iam.call("GetRole", [("RoleName", role.name)]).value("AssumeRolePolicyDocument") else {
                throw AWSError(code: "InvalidResponse", message: "GetRole answered without a trust policy", httpStatus: 200)
            }
            text = document
        } catch where error.isAccessDenied {
            return .unreadable
        }
        // IAM answers the document percent-encoded; the local emulator sends it as it is.
        guard let document = RoleTrustPolicy.parse(text.hasPrefix("{") ? text : percentDecoded(text)) else {
            return .unpinned(["the role's trust policy could not be read as a JSON policy document"])
        }
        let problems = RoleTrustPolicy.problems(document: document, platformAccount: platformAccount, externalID: externalID.value)
        return problems.isEmpty ? .pinned : .unpinned(problems)
    }
}
