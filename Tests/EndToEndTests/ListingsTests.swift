import AWSTestSupport
import Foundation
import Runtime
import Testing
@_spi(Privileged) import Database

/// What a workspace's members can list: its connected clouds, its audit trail, and each user's own
/// provider tokens (without the tokens) — through the whole gateway, scoped by row-level security.
@Suite(.serialized) final class ListingsTests: @unchecked Sendable {
    let gateway: GatewayProcess
    let owner: Database
    let account: CustomerAccount

    init() throws {
        gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8))
        owner = try Database(url: try #require(ProcessInfo.processInfo.environment["MIGRATION_DATABASE_URL"]), applicationName: "listings-tests")
        account = try CustomerAccount()
    }

    func get(_ path: String, bearer: String) throws -> (status: Int, json: [String: Any], text: String) {
        let response = try gateway.request("GET", path, headers: [("Authorization", "Bearer \(bearer)")])
        return (response.status, (try? jsonObject(response.body)) ?? [:], String(decoding: response.body, as: UTF8.self))
    }

    func items(_ answer: (status: Int, json: [String: Any], text: String)) -> [[String: Any]] {
        (answer.json["items"] as? [[String: Any]]) ?? []
    }

    @Test func membersListTheirWorkspacesCloudIdentitiesAndNobodyElseDoes() async throws {
        let workspace = try await ScanWorkspace(gateway: gateway, owner: owner, account: account)
        let id = workspace.identity.uuidString
        let listed = try get("/api/cloud-identities?organization_id=\(workspace.organization)", bearer: workspace.admin.token)
        #expect(listed.status == 200, "\(listed.text)")
        let identity = try #require(items(listed).first)
        #expect(items(listed).count == 1)
        #expect((identity["id"] as? String)?.lowercased() == id.lowercased())
        #expect(identity["role_arn"] as? String == workspace.role)
        #expect(identity["account_id"] as? String == "123456789012")
        #expect(identity["status"] as? String == "active")
        #expect((identity["connected_by"] as? String)?.lowercased() == workspace.admin.id.uuidString.lowercased())
        #expect(!listed.text.contains("external"), "no external ID or hash is ever listed")
        let one = try get("/api/cloud-identities/\(id)", bearer: workspace.admin.token)
        #expect(one.status == 200 && one.json["role_arn"] as? String == workspace.role)

        // A scan shows as the identity's last one.
        #expect(try gateway.request("POST", "/api/cloud-identities/\(id)/scans", headers: [("Authorization", "Bearer \(workspace.admin.token)")]).status == 202)
        let scanned = try get("/api/cloud-identities/\(id)", bearer: workspace.admin.token)
        #expect((scanned.json["last_scan"] as? [String: Any])?["status"] is String, "\(scanned.text)")

        let stranger = try await makeSignedInUser(owner: owner)
        let hidden = try get("/api/cloud-identities?organization_id=\(workspace.organization)", bearer: stranger.token)
        #expect(hidden.status == 404 && hidden.json["items"] == nil, "\(hidden.text)")
        #expect(try get("/api/cloud-identities/\(id)", bearer: stranger.token).status == 404)
        #expect(try get("/api/cloud-identities?organization_id=nope", bearer: stranger.token).status == 400)

        // Revoked: still listed, with why, and without its ARN.
        #expect(try gateway.request("DELETE", "/api/cloud-identities/\(id)", headers: [("Authorization", "Bearer \(workspace.admin.token)")]).status == 204)
        let revoked = try get("/api/cloud-identities/\(id)", bearer: workspace.admin.token)
        #expect(revoked.json["status"] as? String == "revoked")
        #expect(revoked.json["status_reason"] is String)
        #expect(revoked.json["role_arn"] == nil, "the ARN is gone")
    }

    @Test func theAuditTrailShowsEveryCredentialIssuanceInPages() async throws {
        let workspace = try await ScanWorkspace(gateway: gateway, owner: owner, account: account)
        for _ in 0..<2 {
            let issued = try gateway.request("POST", "/api/cloud-identities/\(workspace.identity)/credentials", headers: [("Authorization", "Bearer \(workspace.admin.token)")])
            #expect(issued.status == 200)
        }
        let path = "/api/audit-events?organization_id=\(workspace.organization)&action=cloud_identity.credentials_issued"
        let all = try get(path, bearer: workspace.admin.token)
        #expect(all.status == 200, "\(all.text)")
        #expect(items(all).count == 2)
        for event in items(all) {
            #expect((event["cloud_identity_id"] as? String)?.lowercased() == workspace.identity.uuidString.lowercased())
            #expect((event["user_id"] as? String)?.lowercased() == workspace.admin.id.uuidString.lowercased())
            #expect(event["expires_at"] is String, "until when")
            #expect(((event["details"] as? [String: Any])?["role_session_name"] as? String)?.hasPrefix("zcp-") == true)
        }
        #expect(!all.text.contains("SecretAccessKey") && !all.text.contains("ASIA"), "no credential in the trail")

        let first = try get(path + "&limit=1", bearer: workspace.admin.token)
        let cursor = try #require(first.json["next_cursor"] as? String)
        let second = try get(path + "&limit=1&cursor=\(cursor)", bearer: workspace.admin.token)
        #expect(items(second).count == 1)
        #expect(second.json["next_cursor"] == nil, "the last page")
        #expect(items(first).first?["id"] as? String != items(second).first?["id"] as? String)

        // Every action of the workspace, newest first; nothing for anyone else.
        let everything = items(try get("/api/audit-events?organization_id=\(workspace.organization)", bearer: workspace.admin.token))
        let connected = everything.first { $0["action"] as? String == "cloud_identity.connected" }
        #expect((connected?["cloud_identity_id"] as? String)?.lowercased() == workspace.identity.uuidString.lowercased(), "the trail names what was connected")
        let stranger = try await makeSignedInUser(owner: owner)
        let hidden = try get(path, bearer: stranger.token)
        #expect(hidden.status == 404 && hidden.json["items"] == nil, "\(hidden.text)")
        for bad in ["&cursor=-1", "&cursor=abc", "&action=DROP%20TABLE", "&since=yesterday", "&limit=0", "&user_id=me"] {
            #expect(try get(path + bad, bearer: workspace.admin.token).status == 400, "\(bad)")
        }
    }

    @Test func providerTokensAreListedWithoutTheTokens() async throws {
        let user = try await makeSignedInUser(owner: owner)
        let secret = "gho_listing-\(UUID())", refresh = "ghr_listing-\(UUID())"
        let stored = try gateway.request("POST", "/api/provider-tokens",
            body: #"{"provider":"github","access_token":"\#(secret)","refresh_token":"\#(refresh)","expires_in":28800,"scope":"repo,read:org"}"#,
            headers: [("Authorization", "Bearer \(user.token)")])
        #expect(stored.status == 201)
        let listed = try get("/api/provider-tokens", bearer: user.token)
        #expect(listed.status == 200, "\(listed.text)")
        let github = try #require(items(listed).first)
        #expect(github["provider"] as? String == "github")
        #expect(github["status"] as? String == "active")
        #expect(github["scopes"] as? [String] == ["repo", "read:org"])
        #expect(github["has_refresh_token"] as? Bool == true)
        #expect(github["expires_at"] is String)
        #expect(!listed.text.contains(secret) && !listed.text.contains(refresh) && github["access_token"] == nil)

        let other = try await makeSignedInUser(owner: owner)
        #expect(items(try get("/api/provider-tokens", bearer: other.token)).isEmpty)
    }

    @Test func nothingIsListedWithoutASignedInUser() throws {
        let organization = UUID()
        for path in ["/api/cloud-identities?organization_id=\(organization)", "/api/cloud-identities/\(UUID())",
                     "/api/audit-events?organization_id=\(organization)", "/api/provider-tokens"] {
            let response = try gateway.request("GET", path)
            #expect(response.status == 401, "\(path)")
            #expect(try jsonObject(response.body)["error"] is String)
        }
    }
}
