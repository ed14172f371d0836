import AWSTestSupport
import Foundation
import Runtime
import Testing
@_spi(Privileged) import Database

/// Connecting a provisioner role: its own external ID (a scan role's trust is no way in, nor the
/// other way round), never an administrator nor a role that can make itself one, and what it may
/// manage reported.
@Suite(.serialized) final class ProvisionerConnectTests: @unchecked Sendable {
    let gateway: GatewayProcess
    let owner: Database
    let account: CustomerAccount

    init() throws {
        gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8))
        owner = try Database(url: try #require(ProcessInfo.processInfo.environment["MIGRATION_DATABASE_URL"]), applicationName: "provisioner-connect-tests")
        account = try CustomerAccount()
    }

    func connect(_ organization: UUID, _ role: String, purpose: String, bearer: String) throws -> (status: Int, json: [String: Any]) {
        let body = #"{"organization_id":"\#(organization.uuidString)","role_arn":"\#(role)","purpose":"\#(purpose)"}"#
        let response = try gateway.request("POST", "/api/cloud-identities", body: body, headers: [("Authorization", "Bearer \(bearer)")])
        return (response.status, (try? jsonObject(response.body)) ?? [:])
    }

    @Test func eachPurposeHasItsOwnExternalIDAndTemplate() async throws {
        let admin = try await makeSignedInUser(owner: owner)
        let organization = try await makeWorkspace(owner: owner, member: admin.id, role: "owner")
        let onboarding = { (query: String) throws -> [String: Any] in
            try jsonObject(try self.gateway.request("GET", "/api/aws/external-id?organization_id=\(organization)\(query)",
                                                    headers: [("Authorization", "Bearer \(admin.token)")]).body)
        }
        let scan = try onboarding(""), provision = try onboarding("&purpose=provision")
        #expect(scan["purpose"] as? String == "scan" && provision["purpose"] as? String == "provision")
        #expect(provision["external_id"] as? String == (try provisioningExternalID(of: organization)).value)
        #expect(scan["external_id"] as? String != provision["external_id"] as? String)
        #expect((provision["role_template_url"] as? String)?.hasSuffix("customer-provisioner-role.yaml") == true)
        #expect(try gateway.request("GET", "/api/aws/external-id?organization_id=\(organization)&purpose=admin",
                                    headers: [("Authorization", "Bearer \(admin.token)")]).status == 400)

        // A scan role's trust does not let the runner in, and a provisioner role is no scan role.
        let scanRole = try await account.role(for: organization, policies: ["SecurityAudit"])
        #expect(try connect(organization, scanRole, purpose: "provision", bearer: admin.token).json["error"] as? String == "role_not_assumable")
        let provisioner = try await account.provisionerRole(externalID: try provisioningExternalID(of: organization).value)
        #expect(try connect(organization, provisioner, purpose: "scan", bearer: admin.token).json["error"] as? String == "role_not_assumable")
        let connected = try connect(organization, provisioner, purpose: "provision", bearer: admin.token)
        #expect(connected.status == 201, "\(connected.json)")
        #expect((connected.json["services"] as? [String])?.contains("rds") == true)

        // A provisioner identity is not scanned; its credentials are for admins.
        let id = try #require(connected.json["id"] as? String)
        let scanned = try gateway.request("POST", "/api/cloud-identities/\(id)/scans", headers: [("Authorization", "Bearer \(admin.token)")])
        #expect(scanned.status == 409, "\(String(decoding: scanned.body, as: UTF8.self))")
        #expect(try gateway.request("POST", "/api/cloud-identities/\(id)/credentials", headers: [("Authorization", "Bearer \(admin.token)")]).status == 200)
    }

    @Test(arguments: [
        ("an administrator", ["AdministratorAccess"], nil as String?),
        ("IAM at will", ["IAMFullAccess"], nil),
        ("everything on everything", [], #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#),
        ("roles without the boundary", [], #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","iam:CreateRole","iam:AttachRolePolicy"],"Resource":"arn:aws:iam::123456789012:role/apps/*"},{"Effect":"Allow","Action":["iam:GetRole","iam:ListAttachedRolePolicies","iam:ListRolePolicies","iam:GetRolePolicy","iam:GetPolicy","iam:GetPolicyVersion"],"Resource":"*"}]}"#),
    ])
    func aRoleThatIsOrCanBecomeAnAdministratorIsRefused(_ case: String, _ managed: [String], _ inline: String?) async throws {
        let admin = try await makeSignedInUser(owner: owner)
        let organization = try await makeWorkspace(owner: owner, member: admin.id, role: "owner")
        let role = try await account.makeRole(externalID: try provisioningExternalID(of: organization).value, policies: managed)
        if let inline {
            _ = try await account.iam.call("PutRolePolicy", [("RoleName", String(role.split(separator: "/").last!)), ("PolicyName", "provisioning"), ("PolicyDocument", inline)])
        }
        let refused = try connect(organization, role, purpose: "provision", bearer: admin.token)
        #expect(refused.status == 422, "\(`case`): \(refused.json)")
        #expect(refused.json["error"] as? String == "role_too_powerful", "\(`case`): \(refused.json)")
    }
}
