import AWSTestSupport
import Foundation
import Runtime
import Testing
@_spi(Privileged) import Database

/// Workspaces and members through the gateway: the rules a team expects (owners, admins,
/// members, viewers; never without an owner), each change audited, and what a viewer may do.
@Suite(.serialized) final class WorkspacesTests: @unchecked Sendable {
    let gateway: GatewayProcess
    let owner: Database
    let account: CustomerAccount

    init() throws {
        gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8))
        owner = try Database(url: try #require(ProcessInfo.processInfo.environment["MIGRATION_DATABASE_URL"]), applicationName: "workspaces-tests")
        account = try CustomerAccount()
    }

    typealias User = (id: UUID, token: String)

    func call(_ method: String, _ path: String, _ body: String? = nil, as user: User) throws -> (status: Int, json: [String: Any]) {
        let response = try gateway.request(method, path, body: body, headers: [("Authorization", "Bearer \(user.token)")])
        return (response.status, (try? jsonObject(response.body)) ?? [:])
    }

    func email(of user: User) -> String { "\(user.id.uuidString.lowercased())@example.test" }

    func add(_ user: User, as role: String, to workspace: String, by admin: User) throws -> Int {
        try call("POST", "/api/workspaces/\(workspace)/members", #"{"email":"\#(email(of: user).uppercased())","role":"\#(role)"}"#, as: admin).status
    }

    func actions(_ workspace: String) async throws -> [String] {
        try await owner.runAsConnectedRole([Statement(
            "SELECT action FROM public.audit_events WHERE organization_id = $1::uuid ORDER BY id", workspace)])[0].rows.map { try $0["action"] }
    }

    @Test func aWorkspaceIsCreatedListedRenamedAndItsMembersManagedByTheRules() async throws {
        let ada = try await makeSignedInUser(owner: owner), bob = try await makeSignedInUser(owner: owner), cy = try await makeSignedInUser(owner: owner)
        let created = try call("POST", "/api/workspaces", #"{"name":"  Acme  "}"#, as: ada)
        #expect(created.status == 201, "\(created.json)")
        #expect(created.json["name"] as? String == "Acme")
        #expect(created.json["role"] as? String == "owner")
        let workspace = try #require(created.json["id"] as? String)
        #expect(((try call("GET", "/api/workspaces", as: ada).json["items"] as? [[String: Any]]) ?? []).contains { $0["id"] as? String == workspace })
        #expect(((try call("GET", "/api/workspaces", as: bob).json["items"] as? [[String: Any]]) ?? []).isEmpty)

        // Adding by email (any case); an admin cannot make owners; strangers learn nothing.
        #expect(try add(bob, as: "admin", to: workspace, by: ada) == 201)
        #expect(try add(cy, as: "owner", to: workspace, by: bob) == 403)
        #expect(try add(cy, as: "member", to: workspace, by: bob) == 201)
        #expect(try add(cy, as: "member", to: workspace, by: bob) == 409)
        #expect(try call("POST", "/api/workspaces/\(workspace)/members", #"{"email":"nobody-\#(UUID())@example.test"}"#, as: ada).status == 422)
        #expect(try call("POST", "/api/workspaces/\(workspace)/members", #"{"email":"not an email"}"#, as: ada).status == 400)
        let stranger = try await makeSignedInUser(owner: owner)
        #expect(try call("GET", "/api/workspaces/\(workspace)/members", as: stranger).status == 404)
        #expect(try add(stranger, as: "member", to: workspace, by: cy) == 403)
        let members = (try call("GET", "/api/workspaces/\(workspace)/members", as: cy).json["items"] as? [[String: Any]]) ?? []
        #expect(Set(members.compactMap { ($0["email"] as? String)?.lowercased() }) == Set([ada, bob, cy].map(email)))

        // Renaming: admins yes, members no.
        #expect(try call("PATCH", "/api/workspaces/\(workspace)", #"{"name":"Acme Cloud"}"#, as: bob).json["name"] as? String == "Acme Cloud")
        #expect(try call("PATCH", "/api/workspaces/\(workspace)", #"{"name":"Mine"}"#, as: cy).status == 403)
        #expect(try call("PATCH", "/api/workspaces/\(workspace)", #"{"name":"Mine"}"#, as: stranger).status == 404)

        // Never without an owner: the last one can neither leave nor be demoted.
        #expect(try call("DELETE", "/api/workspaces/\(workspace)/members/\(ada.id)", as: ada).status == 409)
        #expect(try call("PATCH", "/api/workspaces/\(workspace)/members/\(ada.id)", #"{"role":"admin"}"#, as: ada).status == 409)
        #expect(try call("PATCH", "/api/workspaces/\(workspace)/members/\(ada.id)", #"{"role":"member"}"#, as: bob).status == 403, "admins do not touch owners")
        #expect(try call("PATCH", "/api/workspaces/\(workspace)/members/\(bob.id)", #"{"role":"owner"}"#, as: ada).json["role"] as? String == "owner")
        #expect(try call("PATCH", "/api/workspaces/\(workspace)/members/\(ada.id)", #"{"role":"admin"}"#, as: ada).json["role"] as? String == "admin")

        // A member may leave; an admin removes members.
        #expect(try call("DELETE", "/api/workspaces/\(workspace)/members/\(cy.id)", as: cy).status == 204)
        #expect(try add(cy, as: "viewer", to: workspace, by: ada) == 201)
        #expect(try call("DELETE", "/api/workspaces/\(workspace)/members/\(cy.id)", as: ada).status == 204)

        let trail = try await actions(workspace)
        #expect(trail.first == "workspace.created")
        for action in ["workspace.member_added", "workspace.renamed", "workspace.member_role_changed", "workspace.member_left", "workspace.member_removed"] {
            #expect(trail.contains(action), "\(action) is audited")
        }
    }

    /// A viewer reads everything in the workspace and changes nothing: no credentials, no scans,
    /// no connections or revocations, no members, no renaming.
    @Test func aViewerReadsButNeverActs() async throws {
        let workspace = try await ScanWorkspace(gateway: gateway, owner: owner, account: account)
        let viewer = try await makeSignedInUser(owner: owner)
        let organization = workspace.organization.uuidString, identity = workspace.identity.uuidString
        #expect(try add(viewer, as: "viewer", to: organization, by: workspace.admin) == 201)

        for path in ["/api/cloud-identities?organization_id=\(organization)", "/api/cloud-identities/\(identity)", "/api/scans?organization_id=\(organization)",
                     "/api/findings?organization_id=\(organization)", "/api/audit-events?organization_id=\(organization)",
                     "/api/aws/external-id?organization_id=\(organization)", "/api/workspaces/\(organization)/members"] {
            #expect(try call("GET", path, as: viewer).status == 200, "a viewer reads \(path)")
        }
        #expect(try call("POST", "/api/cloud-identities/\(identity)/credentials", as: viewer).status == 403)
        #expect(try call("POST", "/api/cloud-identities/\(identity)/scans", as: viewer).status == 403)
        #expect(try call("DELETE", "/api/cloud-identities/\(identity)", as: viewer).status == 403)
        #expect(try call("POST", "/api/cloud-identities", #"{"organization_id":"\#(organization)","role_arn":"\#(workspace.role)"}"#, as: viewer).status == 403)
        #expect(try call("PATCH", "/api/workspaces/\(organization)", #"{"name":"x"}"#, as: viewer).status == 403)
        #expect(try add(try await makeSignedInUser(owner: owner), as: "viewer", to: organization, by: viewer) == 403)
        #expect(try call("DELETE", "/api/workspaces/\(organization)", as: viewer).status == 403)
        let issued: Int? = try await owner.runAsConnectedRole([Statement(
            "SELECT count(*) FROM public.audit_events WHERE cloud_identity_id = $1 AND action = 'cloud_identity.credentials_issued'", workspace.identity)])[0].first?["count"]
        #expect(issued == 0)
        // The same calls as a member succeed.
        #expect(try call("PATCH", "/api/workspaces/\(organization)/members/\(viewer.id)", #"{"role":"member"}"#, as: workspace.admin).status == 200)
        #expect(try call("POST", "/api/cloud-identities/\(identity)/credentials", as: viewer).status == 200)
    }

    @Test func deletingAWorkspaceRevokesItsIdentitiesFirstAndLeavesNothingBehind() async throws {
        let workspace = try await ScanWorkspace(gateway: gateway, owner: owner, account: account)
        let admin = try await makeSignedInUser(owner: owner)
        let organization = workspace.organization.uuidString
        #expect(try add(admin, as: "admin", to: organization, by: workspace.admin) == 201)
        #expect(try call("DELETE", "/api/workspaces/\(organization)", as: admin).status == 403, "owners only")
        #expect(try call("DELETE", "/api/workspaces/\(organization)", as: workspace.admin).status == 204)
        #expect(try call("DELETE", "/api/workspaces/\(organization)", as: workspace.admin).status == 404)

        let left: Int? = try await owner.runAsConnectedRole([Statement("""
            SELECT (SELECT count(*) FROM public.organizations WHERE id = $1) + (SELECT count(*) FROM public.cloud_identities WHERE organization_id = $1)
                 + (SELECT count(*) FROM public.memberships WHERE organization_id = $1) + (SELECT count(*) FROM public.scans WHERE organization_id = $1) AS count
            """, workspace.organization)])[0].first?["count"]
        #expect(left == 0)
        let trail = try await actions(organization)
        let revoked = try #require(trail.firstIndex(of: "cloud_identity.revoked"), "\(trail)")
        let deleted = try #require(trail.firstIndex(of: "workspace.deleted"))
        #expect(revoked < deleted, "identities are revoked before the workspace goes")
        #expect(try call("POST", "/api/cloud-identities/\(workspace.identity)/credentials", as: workspace.admin).status == 404)
    }
}
