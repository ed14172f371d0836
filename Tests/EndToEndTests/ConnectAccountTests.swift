import Domain
import Foundation
import Runtime
import AWSTestSupport
import Testing
@testable import AWSAPI
import Cloud
@_spi(Privileged) import Database

/// `POST /api/cloud-identities` through the gateway, against moto with IAM authorization on: the
/// trust policy, the external ID and the role's permissions are checked as AWS checks them.
@Suite(.serialized) final class ConnectAccountTests: @unchecked Sendable {
    let gateway: GatewayProcess
    let owner: Database
    let account: CustomerAccount

    init() throws {
        gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8))
        owner = try Database(url: try #require(ProcessInfo.processInfo.environment["MIGRATION_DATABASE_URL"]), applicationName: "connect-tests")
        account = try CustomerAccount()
    }

    func workspace(of user: UUID, role: String = "owner") async throws -> UUID {
        try await makeWorkspace(owner: owner, member: user, role: role)
    }

    func customerRole(for organization: UUID, policies: [String], inline: Bool = false) async throws -> String {
        try await account.role(for: organization, policies: policies, inline: inline)
    }

    func connect(_ organization: UUID, _ roleARN: String, bearer: String) throws -> (status: Int, json: [String: Any]) {
        try EndToEndTests.connect(gateway, organization, roleARN, bearer: bearer)
    }

    @Test func aReadOnlyRoleIsConnectedAndOnlyItsARNAndExternalIDHashAreStored() async throws {
        let user = try await makeSignedInUser(owner: owner)
        let organization = try await workspace(of: user.id)
        let role = try await customerRole(for: organization, policies: ["SecurityAudit", "job-function/ViewOnlyAccess"])
        let answer = try connect(organization, role, bearer: user.token)
        #expect(answer.status == 201, "\(answer.json)")
        #expect(answer.json["status"] as? String == "active")
        #expect(answer.json["account_id"] as? String == "123456789012")

        let row = try #require(try await owner.runAsConnectedRole([Statement(
            "SELECT aws_role_arn, aws_external_id_hash, status FROM public.cloud_identities WHERE organization_id = $1", organization)])[0].first)
        #expect(try row["aws_role_arn"] as String == role)
        #expect(try row["aws_external_id_hash"] as Bytes == Bytes(try externalID(of: organization).hash))
        // Connecting again re-activates the same identity rather than adding a second.
        #expect(try connect(organization, role, bearer: user.token).status == 201)
        let count: Int? = try await owner.runAsConnectedRole([Statement(
            "SELECT count(*) FROM public.cloud_identities WHERE organization_id = $1", organization)])[0].first?["count"]
        #expect(count == 1)
    }

    @Test(arguments: [(["AdministratorAccess"], false), (["SecurityAudit", "PowerUserAccess"], false), (["SecurityAudit"], true), ([], false)])
    func rolesThatCanWriteAreRefusedWithTheReason(policies: [String], inline: Bool) async throws {
        let user = try await makeSignedInUser(owner: owner)
        let organization = try await workspace(of: user.id)
        let answer = try connect(organization, try await customerRole(for: organization, policies: policies, inline: inline), bearer: user.token)
        #expect(answer.status == 422)
        #expect(answer.json["error"] as? String == "role_not_read_only")
        if let writable = policies.first(where: { $0 != "SecurityAudit" }) {
            #expect((answer.json["error_description"] as? String)?.contains(writable) == true)
        }
        let count: Int? = try await owner.runAsConnectedRole([Statement(
            "SELECT count(*) FROM public.cloud_identities WHERE organization_id = $1", organization)])[0].first?["count"]
        #expect(count == 0)
    }

    @Test func revokingEndsAccessInOneStepAndIsIdempotent() async throws {
        let admin = try await makeSignedInUser(owner: owner)
        let organization = try await workspace(of: admin.id)
        let connected = try connect(organization, try await customerRole(for: organization, policies: ["SecurityAudit"]), bearer: admin.token)
        let id = try #require(connected.json["id"] as? String)
        _ = try await owner.runAsConnectedRole([Statement(
            "INSERT INTO public.scans (organization_id, cloud_identity_id, trigger) VALUES ($1, $2::uuid, 'schedule')", organization, id)])

        let stranger = try await makeSignedInUser(owner: owner)
        #expect(try gateway.request("DELETE", "/api/cloud-identities/\(id)", headers: [("Authorization", "Bearer \(stranger.token)")]).status == 404)
        let member = try await makeSignedInUser(owner: owner)
        _ = try await owner.runAsConnectedRole([Statement("INSERT INTO public.memberships (organization_id, user_id, role) VALUES ($1, $2, 'member')", organization, member.id)])
        #expect(try gateway.request("DELETE", "/api/cloud-identities/\(id)", headers: [("Authorization", "Bearer \(member.token)")]).status == 403)

        for _ in 0..<2 {
            #expect(try gateway.request("DELETE", "/api/cloud-identities/\(id)", headers: [("Authorization", "Bearer \(admin.token)")]).status == 204)
        }
        let row = try #require(try await owner.runAsConnectedRole([Statement(
            "SELECT status, aws_role_arn IS NULL AS arn_gone, aws_external_id_hash IS NULL AS hash_gone FROM public.cloud_identities WHERE id = $1::uuid", id)])[0].first)
        #expect(try row["status"] as String == "revoked")
        #expect(try row["arn_gone"] as Bool)
        #expect(try row["hash_gone"] as Bool)
        let scan: String? = try await owner.runAsConnectedRole([Statement(
            "SELECT status FROM public.scans WHERE cloud_identity_id = $1::uuid", id)])[0].first?["status"]
        #expect(scan == "cancelled")
        let audits: Int? = try await owner.runAsConnectedRole([Statement(
            "SELECT count(*) FROM public.audit_events WHERE cloud_identity_id = $1::uuid AND action = 'cloud_identity.revoked'", id)])[0].first?["count"]
        #expect(audits == 1)
    }

    @Test func aRoleThatDoesNotTrustThisWorkspacesExternalIDIsNotConnected() async throws {
        let user = try await makeSignedInUser(owner: owner)
        let organization = try await workspace(of: user.id)
        let other = try await workspace(of: user.id)
        // A role set up for another workspace: the confused deputy the external ID prevents.
        let answer = try connect(organization, try await customerRole(for: other, policies: ["SecurityAudit"]), bearer: user.token)
        #expect(answer.status == 422)
        #expect(answer.json["error"] as? String == "role_not_assumable")
    }

    /// The confused deputy: a role that lets the platform in without this workspace's external ID
    /// would let every workspace of the platform in. No workspace may connect it.
    @Test func aRoleThatTrustsThePlatformWithoutTheExternalIDIsRefusedInEveryWorkspace() async throws {
        let role = try await account.makeRole(trustPolicy: account.unconditionalTrustPolicy, policies: ["SecurityAudit"])
        for _ in 0..<2 {
            let user = try await makeSignedInUser(owner: owner)
            let organization = try await workspace(of: user.id)
            let answer = try connect(organization, role, bearer: user.token)
            #expect(answer.status == 422, "\(answer.json)")
            #expect(answer.json["error"] as? String == "role_trust_lacks_external_id")
            #expect((answer.json["error_description"] as? String)?.contains("sts:ExternalId") == true)
        }
        let count: Int? = try await owner.runAsConnectedRole([Statement(
            "SELECT count(*) FROM public.cloud_identities WHERE aws_role_arn = $1", role)])[0].first?["count"]
        #expect(count == 0)
    }

    enum LooseTrust: String, CaseIterable, Sendable {
        case secondStatementWithoutCondition, secondStatementWithStringLike, everyPrincipalWithTheExternalID, twoAcceptedExternalIDs

        func document(platform: String, externalID: String) -> String {
            let pinned = #"{"Effect":"Allow","Principal":{"AWS":"\#(platform)"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"\#(externalID)"}}}"#
            let extra: String = switch self {
            case .secondStatementWithoutCondition:
                #",{"Sid":"Extra","Effect":"Allow","Principal":{"AWS":"\#(platform)"},"Action":"sts:AssumeRole"}"#
            case .secondStatementWithStringLike:
                #",{"Sid":"Extra","Effect":"Allow","Principal":{"AWS":"\#(platform)"},"Action":"sts:AssumeRole","Condition":{"StringLike":{"sts:ExternalId":"zcp-*"}}}"#
            case .everyPrincipalWithTheExternalID:
                #",{"Sid":"Extra","Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"\#(externalID)"}}}"#
            case .twoAcceptedExternalIDs:
                #",{"Sid":"Extra","Effect":"Allow","Principal":{"AWS":"\#(platform)"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":["\#(externalID)","zcp-another-workspace"]}}}"#
            }
            return #"{"Version":"2012-10-17","Statement":["# + pinned + extra + "]}"
        }
    }

    @Test(arguments: LooseTrust.allCases)
    func aTrustPolicyThatAlsoLetsOthersInIsRefusedWithTheStatementNamed(_ loose: LooseTrust) async throws {
        let user = try await makeSignedInUser(owner: owner)
        let organization = try await workspace(of: user.id)
        let document = loose.document(platform: account.platformPrincipal, externalID: try externalID(of: organization).value)
        let role = try await account.makeRole(trustPolicy: document, policies: ["SecurityAudit"])
        let answer = try connect(organization, role, bearer: user.token)
        #expect(answer.status == 422, "\(answer.json)")
        #expect(answer.json["error"] as? String == "role_trust_lacks_external_id", "\(answer.json)")
        let count: Int? = try await owner.runAsConnectedRole([Statement(
            "SELECT count(*) FROM public.cloud_identities WHERE organization_id = $1", organization)])[0].first?["count"]
        #expect(count == 0)
    }

    @Test func onlyAdminsConnectAndARNsAreChecked() async throws {
        let member = try await makeSignedInUser(owner: owner)
        let organization = try await workspace(of: member.id, role: "member")
        let role = try await customerRole(for: organization, policies: ["SecurityAudit"])
        #expect(try connect(organization, role, bearer: member.token).status == 403)
        let admin = try await makeSignedInUser(owner: owner)
        let adminWorkspace = try await workspace(of: admin.id, role: "admin")
        for bad in ["arn:aws:iam::123:role/x", "arn:aws:s3:::bucket", "not an arn", "arn:aws:iam::123456789012:user/alice",
                    "arn:aws:iam::123456789012:role/caf\u{E9}", "arn:aws:iam::123456789012:role/\u{0661}\u{0662}", "arn:aws:iam::123456789012:role/a\\u0000b"] {
            #expect(try connect(adminWorkspace, bad, bearer: admin.token).status == 400, "\(bad)")
        }
    }
}
