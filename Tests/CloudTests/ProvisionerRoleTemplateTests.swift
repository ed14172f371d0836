@testable import AWSAPI
import Cloud
import Domain
import Foundation
import Runtime
import AWSTestSupport
import Testing
import Yams

/// infra/customer-provisioner-role.yaml: a role that can build infrastructure but is not an
/// administrator, read as a policy document and deployed as a customer would, against moto.
@Suite struct ProvisionerRoleTemplateTests {
    /// Policy statements of the template, CloudFormation short forms read as plain values.
    func statements(_ policy: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: "infra/customer-provisioner-role.yaml", encoding: .utf8)
            .replacing(#/!(Sub|Ref|GetAtt|If|Not|Equals) /#, with: "")
        let template = try #require(try Yams.load(yaml: text) as? [String: Any])
        let resources = try #require(template["Resources"] as? [String: Any])
        let properties = try #require((resources[policy] as? [String: Any])?["Properties"] as? [String: Any])
        return try #require((properties["PolicyDocument"] as? [String: Any])?["Statement"] as? [[String: Any]])
    }

    func actions(_ statement: [String: Any]) -> [String] {
        (statement["Action"] as? [String]) ?? [(statement["Action"] as? String) ?? ""]
    }

    @Test func theRoleIsNotAnAdministrator() throws {
        let allowed = try statements("ProvisionerPolicy").filter { $0["Effect"] as? String == "Allow" }
        for statement in allowed {
            let actions = actions(statement)
            #expect(!actions.contains("*") && !actions.contains("iam:*"), "\(statement)")
            // IAM writes only on the roles under the path; creating or re-bounding one needs the boundary.
            let writes = actions.filter { $0.hasPrefix("iam:") && !$0.hasPrefix("iam:Get") && !$0.hasPrefix("iam:List") }
            if !writes.isEmpty {
                #expect(statement["Resource"] as? String != "*", "IAM writes on every resource: \(statement)")
            }
            if writes.contains("iam:CreateRole") {
                let condition = (statement["Condition"] as? [String: Any])?["StringEquals"] as? [String: Any]
                #expect(condition?["iam:PermissionsBoundary"] != nil, "roles are created only with the boundary")
            }
        }
        let denied = try statements("ProvisionerPolicy").filter { $0["Effect"] as? String == "Deny" }.flatMap { actions($0) }
        #expect(denied.contains("iam:DeleteRolePermissionsBoundary"))
        let boundary = try statements("ProvisionedRolesBoundary").flatMap { actions($0) }
        #expect(!boundary.contains { $0.hasPrefix("iam:") || $0 == "*" }, "what the runner makes can do no IAM")
    }

    /// Deployed through CloudFormation, assumed with the provisioning external ID only, able to
    /// create a bucket and a queue, and refused IAM users and roles outside its path.
    @Test func deployedItProvisionsButCannotMakeItselfAnAdministrator() async throws {
        let account = try CustomerAccount()
        let externalID = ExternalID.derive(organization: UUID(), key: Array("a server key of at least thirty-two bytes".utf8), purpose: .provision)
        let roleARN = try await account.provisionerRole(externalID: externalID.value)
        let roleName = String(roleARN.split(separator: "/").last!)
        let role = try await account.iam.call("GetRole", [("RoleName", roleName)])
        #expect(role.value("MaxSessionDuration") == "3600")

        let sts = STS(region: "us-east-1", credentials: account.platform)
        await #expect(throws: AWSError.self) { try await sts.assumeRole(roleARN: roleARN, sessionName: "provision", externalID: ExternalID.probe().value) }
        let assumed = try await sts.assumeRole(roleARN: roleARN, sessionName: "provision", externalID: externalID.value)

        let bucket = "zcp-provisioned-\(UUID().uuidString.prefix(8).lowercased())"
        let s3 = S3Client(region: "us-east-1", credentials: assumed.credentials)
        #expect(try await s3.request("PUT", bucket: bucket).status == 200)
        let sqs = AWSQueryClient(service: "sqs", version: "2012-11-05", region: "us-east-1", credentials: assumed.credentials)
        _ = try await sqs.call("CreateQueue", [("QueueName", "zcp-provisioned-\(UUID().uuidString.prefix(8))")])

        let iam = AWSQueryClient(service: "iam", version: "2010-05-08", region: "us-east-1", credentials: assumed.credentials)
        let refused = await #expect(throws: AWSError.self) { try await iam.call("CreateUser", [("UserName", "backdoor-\(UUID().uuidString.prefix(6))")]) }
        #expect(refused?.isAccessDenied == true)
        let trust = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
        await #expect(throws: AWSError.self, "a role outside the path") {
            try await iam.call("CreateRole", [("RoleName", "outside-\(UUID().uuidString.prefix(6))"), ("AssumeRolePolicyDocument", trust)])
        }
        await #expect(throws: AWSError.self, "its own role") {
            try await iam.call("AttachRolePolicy", [("RoleName", roleName), ("PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess")])
        }
    }
}
