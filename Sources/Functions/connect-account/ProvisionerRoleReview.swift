import AWSAPI
import Domain
import FoundationEssentials
import Runtime

/// Reads every policy a provisioner role carries (attached, managed by AWS or the customer, and
/// inline) and judges them with `ProvisionerPolicies`: what the role may manage, or why it is
/// refused. The role's own credentials read them (the provisioner template allows `iam:Get*`
/// and `iam:List*`).
struct ProvisionerRoleReview {
    let iam: AWSQueryClient
    let role: RoleARN

    /// The services the role may manage; throws the platform's 422 when it is refused.
    func services(attached: [String], inline: [String]) async throws -> [String] {
        guard !attached.isEmpty || !inline.isEmpty else {
            throw HTTPError(status: 422, error: "role_has_no_policies",
                            description: "the role carries no policy: deploy it from infra/customer-provisioner-role.yaml")
        }
        var documents: [(name: String, document: AttributeValue)] = []
        do {
            for arn in attached {
                if let managed = ProvisionerPolicies.managedName(arn), ProvisionerPolicies.refusedManaged.contains(managed) {
                    documents.append((arn, .null))
                    continue
                }
                guard let version = try await iam.call("GetPolicy", [("PolicyArn", arn)]).value("DefaultVersionId") else { continue }
                let text = try await iam.call("GetPolicyVersion", [("PolicyArn", arn), ("VersionId", version)]).value("Document")
                documents.append((arn, try Self.document(text, name: arn)))
            }
            for name in inline {
                let text = try await iam.call("GetRolePolicy", [("RoleName", role.name), ("PolicyName", name)]).value("PolicyDocument")
                documents.append(("inline policy \(name)", try Self.document(text, name: name)))
            }
        } catch let error as AWSError where error.isAccessDenied {
            throw HTTPError(status: 422, error: "role_not_inspectable",
                            description: "the role cannot read its own policies (iam:GetPolicy, iam:GetPolicyVersion, iam:GetRolePolicy): deploy it from infra/customer-provisioner-role.yaml")
        }
        let review = ProvisionerPolicies.review(documents)
        guard review.problems.isEmpty else {
            throw HTTPError(status: 422, error: "role_too_powerful", description: """
                a provisioner role must not be an administrator nor able to make itself one: \(review.problems.joined(separator: "; ")). \
                infra/customer-provisioner-role.yaml makes one that is bounded
                """)
        }
        return review.services
    }

    /// IAM answers policy documents percent-encoded; the local emulator sends them as they are.
    static func document(_ text: String?, name: String) throws -> AttributeValue {
        guard let text, let document = RoleTrustPolicy.parse(text.hasPrefix("{") ? text : percentDecoded(text)) else {
            throw HTTPError(status: 422, error: "role_not_inspectable", description: "the policy \(name) could not be read as a JSON policy document")
        }
        return document
    }
}
