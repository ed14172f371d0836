import Foundation
import Runtime
import Testing
@_spi(Privileged) import Database

/// GCP through the platform's own OIDC issuer, end to end: the onboarding answer, connect, one-hour
/// access tokens, the runner's token endpoint, Google's refusals translated, revocation when the
/// trust is gone (and not on an outage), and a signing key rotated under it. Google is
/// scripts/federation-server.py, which, like Google, fetches the gateway's discovery document and JWKS over
/// HTTP and checks signature, kid, iss, aud, times, subject and the attribute condition.
@Suite(.serialized) final class GCPFederationTests: @unchecked Sendable {
    let fixture: FederationFixture
    var owner: Database { fixture.owner }
    var google: String { fixture.emulator }
    var issuer: String { fixture.issuer }
    var gateway: GatewayProcess { fixture.gateway }

    init() throws {
        fixture = try FederationFixture()
    }

    struct Workspace {
        let people: FederationFixture.People
        var id: UUID { people.workspace }
        var admin: FederationFixture.User { people.admin }
        var member: FederationFixture.User { people.member }
        var viewer: FederationFixture.User { people.viewer }
        var outsider: FederationFixture.User { people.outsider }
        let project = "\(Int.random(in: 100_000_000...999_999_999))"
        let pool = "pool-\(UUID().uuidString.prefix(8).lowercased())"
        let provider = "prov-\(UUID().uuidString.prefix(8).lowercased())"
        let email = "scanner\(Int.random(in: 1000...9999))@acme-project.iam.gserviceaccount.com"
        var names: String { "project_number=\(project)&pool_id=\(pool)&provider_id=\(provider)&service_account_email=\(email.replacing("@", with: "%40"))" }
        var connection: String {
            #"{"provider":"gcp","organization_id":"\#(id)","project_number":"\#(project)","pool_id":"\#(pool)","provider_id":"\#(provider)","service_account_email":"\#(email)"}"#
        }
    }

    func workspace() async throws -> Workspace { Workspace(people: try await fixture.people()) }

    func call(_ method: String, _ path: String, _ user: FederationFixture.User, body: String? = nil) throws -> (status: Int, json: [String: Any], headers: [String: String]) {
        try fixture.call(method, path, user, body: body)
    }

    /// The customer's side, in the stand-in's admin API: a provider trusting `issuer` with a
    /// condition pinning `subject`, and the service account bound to `principals`.
    func customer(_ workspace: Workspace, issuer: String? = nil, subject: String?, principals: [String], roles: [String] = ["roles/viewer"],
                  allowedAudiences: [String]? = nil) throws {
        var provider: [String: Any] = ["project_number": workspace.project, "pool_id": workspace.pool, "provider_id": workspace.provider,
                                       "issuer_uri": issuer ?? self.issuer]
        if let subject { provider["subject"] = subject }
        if let allowedAudiences { provider["allowed_audiences"] = allowedAudiences }
        try admin("PUT", "/_emulator/providers", provider)
        try admin("PUT", "/_emulator/service-accounts", ["email": workspace.email, "principals": principals, "project_roles": roles, "can_read_policy": true])
    }

    @discardableResult
    func admin(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> [String: Any] { try fixture.admin(method, path, body) }

    func onboarding(_ workspace: Workspace) throws -> [String: Any] {
        let answer = try call("GET", "/api/gcp/workload-identity?organization_id=\(workspace.id)&\(workspace.names)", workspace.member)
        #expect(answer.status == 200, "\(answer.json)")
        return answer.json
    }

    /// Presents a federation token to the stand-in's STS as a runner's Google client library would.
    func exchange(_ token: String, audience: String) throws -> (status: Int, json: [String: Any]) {
        let body = formURLEncoded([("audience", audience), ("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"),
                                   ("requested_token_type", "urn:ietf:params:oauth:token-type:access_token"),
                                   ("subject_token_type", "urn:ietf:params:oauth:token-type:jwt"), ("subject_token", token)])
        let response = try HTTPClient().send(.init(method: "POST", url: google + "/v1/token", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(body.utf8)))
        return (response.status, (try? jsonObject(response.body)) ?? [:])
    }

    func connectedIdentity(_ workspace: Workspace) throws -> (id: String, onboarding: [String: Any]) {
        let answer = try onboarding(workspace)
        try customer(workspace, subject: answer["subject"] as? String, principals: [try #require(answer["principal"] as? String)])
        let connected = try call("POST", "/api/cloud-identities", workspace.admin, body: workspace.connection)
        #expect(connected.status == 201, "\(connected.json)")
        return (try #require(connected.json["id"] as? String), answer)
    }

    @Test func onboardingThenConnectThenOneHourTokensForMembersOnly() async throws {
        let workspace = try await workspace()
        let answer = try onboarding(workspace)
        let subject = try #require(answer["subject"] as? String)
        #expect(answer["issuer"] as? String == issuer)
        #expect(subject == "org:\(workspace.id.uuidString.lowercased()):identity:\(answer["identity_id"] as? String ?? "?")")
        #expect(answer["audience"] as? String == "//iam.googleapis.com/projects/\(workspace.project)/locations/global/workloadIdentityPools/\(workspace.pool)/providers/\(workspace.provider)")
        #expect((answer["attribute_condition"] as? String)?.contains(subject) == true)
        #expect((answer["terraform"] as? String)?.contains("google_iam_workload_identity_pool_provider") == true)
        #expect(((answer["gcloud"] as? [String]) ?? []).contains { $0.contains("roles/iam.workloadIdentityUser") && $0.contains(answer["principal"] as? String ?? "?") })
        // The answer is for members of the workspace only, and the names are checked.
        #expect(try call("GET", "/api/gcp/workload-identity?organization_id=\(workspace.id)&\(workspace.names)", workspace.outsider).status == 404)
        #expect(try call("GET", "/api/gcp/workload-identity?organization_id=\(workspace.id)&project_number=x&pool_id=p&provider_id=q&service_account_email=a", workspace.member).status == 400)

        // Only an admin connects.
        try customer(workspace, subject: subject, principals: [try #require(answer["principal"] as? String)])
        #expect(try call("POST", "/api/cloud-identities", workspace.member, body: workspace.connection).status == 403)
        let connected = try call("POST", "/api/cloud-identities", workspace.admin, body: workspace.connection)
        #expect(connected.status == 201, "\(connected.json)")
        #expect((connected.json["id"] as? String)?.lowercased() == answer["identity_id"] as? String, "the identity gets the id its subject names")
        #expect(connected.json["roles"] as? [String] == ["roles/viewer"])
        let id = try #require(connected.json["id"] as? String)
        let presented = try #require(try fixture.presented(subject: subject))
        #expect(presented["purpose"] as? String == "connect" && presented["kid"] != nil)

        // Members get the service account's token; viewers and other workspaces do not.
        let issued = try call("POST", "/api/cloud-identities/\(id)/credentials", workspace.member)
        #expect(issued.status == 200, "\(issued.json)")
        let accessToken = try #require(issued.json["access_token"] as? String)
        #expect(accessToken.hasPrefix("ya29.") && issued.json["service_account_email"] as? String == workspace.email)
        #expect(issued.headers["cache-control"] == "no-store")
        let expiresAt = try #require((issued.json["expires_at"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
        #expect(abs(expiresAt.timeIntervalSinceNow - 3600) < 120)
        #expect(try call("POST", "/api/cloud-identities/\(id)/credentials", workspace.viewer).status == 403)
        #expect(try call("POST", "/api/cloud-identities/\(id)/credentials", workspace.outsider).status == 404)

        // Audited by subject and service account; no token anywhere in the database or the logs.
        let audit = try await owner.runAsConnectedRole([Statement(
            "SELECT details::text AS details FROM public.audit_events WHERE cloud_identity_id = $1 AND action = 'cloud_identity.credentials_issued'", UUID(uuidString: id)!)])
        let details: String = try #require(audit[0].first)["details"]
        #expect(details.contains(subject) && details.contains(workspace.email))
        let dump = try await owner.runAsConnectedRole([Statement(
            "SELECT string_agg(t::text, ' ') AS everything FROM (SELECT * FROM public.audit_events WHERE organization_id = $1) t", workspace.id)])
        let everything: String = try #require(dump[0].first)["everything"]
        #expect(!everything.contains(accessToken) && !everything.contains("eyJ"))
        #expect(!gateway.log.contains(accessToken) && !gateway.log.contains("ya29."))
    }

    /// A runner refreshes by itself: the token endpoint answers what Google's external_account
    /// `credential_source.url` reads, and Google accepts it.
    @Test func aRunnerFetchesFederationTokensAndGoogleAcceptsThem() async throws {
        let workspace = try await workspace()
        let (id, answer) = try connectedIdentity(workspace)
        let audience = try #require(answer["audience"] as? String)
        let fetched = try call("GET", "/api/cloud-identities/\(id)/token?audience=\(percentEncoded(audience))", workspace.member)
        #expect(fetched.status == 200, "\(fetched.json)")
        let token = try #require(fetched.json["value"] as? String)
        let claims = try #require(try JSONSerialization.jsonObject(with: Data(base64URL: String(token.split(separator: ".")[1]))) as? [String: Any])
        #expect(claims["iss"] as? String == issuer && claims["aud"] as? String == audience && claims["sub"] as? String == answer["subject"] as? String)
        let lifetime = (claims["exp"] as? Int ?? 0) - (claims["iat"] as? Int ?? 0)
        #expect(lifetime > 0 && lifetime <= 600)
        let exchanged = try exchange(token, audience: audience)
        #expect(exchanged.status == 200, "\(exchanged.json)")

        // Google's own client library, configured as a runner would be (external_account with
        // credential_source.url): it fetches, exchanges and impersonates by itself, and again on refresh.
        let library = try runProgram("/usr/bin/env", arguments: [
            "python3", "Tests/Support/google-auth/external-account.py", fixture.gateway.baseURL, id, workspace.member.token, audience,
            workspace.email, google, google])
        #expect(library.status == 0, "\(library.standardError)")
        let refreshed = (try? jsonObject(library.standardOutput))?["tokens"] as? [String] ?? []
        #expect(refreshed.count == 2 && refreshed.allSatisfy { $0.hasPrefix("ya29.") } && Set(refreshed).count == 2, "\(library.standardOutput)")
        #expect(try call("GET", "/api/cloud-identities/\(id)/token?audience=//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/x/providers/y", workspace.member).status == 400)
        #expect(try call("GET", "/api/cloud-identities/\(id)/token", workspace.viewer).status == 403)
        #expect(try call("GET", "/api/cloud-identities/\(id)/token", workspace.outsider).status == 404)
    }

    enum Misconfiguration: String, CaseIterable, Sendable {
        case issuerUnreachable, issuerMismatch, attributeCondition, noBinding, noProvider, wrongAudience, ownerRole
    }

    @Test(arguments: Misconfiguration.allCases)
    func eachOfGooglesRefusalsIsSaidPlainly(_ case: Misconfiguration) async throws {
        let workspace = try await workspace()
        let answer = try onboarding(workspace)
        let subject = try #require(answer["subject"] as? String), principal = try #require(answer["principal"] as? String)
        let expected: String
        switch `case` {
        case .issuerUnreachable:
            try customer(workspace, issuer: "http://127.0.0.1:1", subject: subject, principals: [principal])
            expected = "gcp_issuer_unreachable"
        case .issuerMismatch:
            try customer(workspace, issuer: issuer + "/", subject: subject, principals: [principal])
            expected = "gcp_issuer_mismatch"
        case .attributeCondition:
            try customer(workspace, subject: "org:\(UUID()):identity:\(UUID())", principals: [principal])
            expected = "gcp_attribute_condition"
        case .noBinding:
            try customer(workspace, subject: subject, principals: [])
            expected = "gcp_cannot_impersonate"
        case .noProvider:
            expected = "gcp_provider_not_found"
        case .wrongAudience:
            try customer(workspace, subject: subject, principals: [principal], allowedAudiences: ["https://example.test/other"])
            expected = "gcp_wrong_audience"
        case .ownerRole:
            try customer(workspace, subject: subject, principals: [principal], roles: ["roles/owner"])
            expected = "identity_not_read_only"
        }
        let refused = try call("POST", "/api/cloud-identities", workspace.admin, body: workspace.connection)
        #expect(refused.status == 422, "\(`case`): \(refused.status) \(refused.json)")
        #expect(refused.json["error"] as? String == expected, "\(`case`): \(refused.json)")
        #expect(((refused.json["error_description"] as? String) ?? "").count > 40)
        let rows = try await owner.runAsConnectedRole([Statement("SELECT count(*)::int AS n FROM public.cloud_identities WHERE organization_id = $1", workspace.id)])
        #expect(try rows[0].first!["n"] as Int == 0, "nothing is connected")
    }

    @Test func aDeletedProviderRevokesTheIdentityAndAnOutageDoesNot() async throws {
        let workspace = try await workspace()
        let (id, _) = try connectedIdentity(workspace)
        try admin("PUT", "/_emulator/outage", ["down": true])
        let down = try call("POST", "/api/cloud-identities/\(id)/credentials", workspace.member)
        try admin("PUT", "/_emulator/outage", ["down": false])
        #expect(down.status == 503, "\(down.json)")
        let listed = try call("GET", "/api/cloud-identities/\(id)", workspace.member).json
        #expect(listed["status"] as? String == "active" && listed["provider"] as? String == "gcp")
        #expect(listed["service_account_email"] as? String == workspace.email && listed["pool_id"] as? String == workspace.pool)

        try admin("DELETE", "/_emulator/providers/\(workspace.project)/\(workspace.pool)/\(workspace.provider)")
        let lost = try call("POST", "/api/cloud-identities/\(id)/credentials", workspace.member)
        #expect(lost.status == 409 && lost.json["error"] as? String == "access_lost", "\(lost.json)")
        let identity = try call("GET", "/api/cloud-identities/\(id)", workspace.member).json
        #expect(identity["status"] as? String == "revoked")
        #expect((identity["status_reason"] as? String)?.contains("pool or provider") == true, "\(identity)")
        #expect(try call("POST", "/api/cloud-identities/\(id)/credentials", workspace.member).status == 409)

        // The customer restores the provider and an admin reconnects: the same identity, active again.
        let answer = try onboarding(workspace)
        try customer(workspace, subject: answer["subject"] as? String, principals: [try #require(answer["principal"] as? String)])
        let reconnected = try call("POST", "/api/cloud-identities", workspace.admin, body: workspace.connection)
        #expect(reconnected.status == 201 && (reconnected.json["id"] as? String)?.lowercased() == id.lowercased(), "\(reconnected.json)")
        #expect(try call("POST", "/api/cloud-identities/\(id)/credentials", workspace.member).status == 200)

        // Revoked by an admin (federation data removed), then reconnected: the names come back.
        #expect(try call("DELETE", "/api/cloud-identities/\(id)", workspace.admin).status == 204)
        #expect(try call("POST", "/api/cloud-identities/\(id)/credentials", workspace.member).status == 409)
        #expect(try call("POST", "/api/cloud-identities", workspace.admin, body: workspace.connection).status == 201)
        #expect(try call("POST", "/api/cloud-identities/\(id)/credentials", workspace.member).status == 200)
    }

    /// A new key is published beside the old, then signs; tokens of the old key pass until it is
    /// retired from the JWKS and fail after, while the new key's pass throughout.
    @Test func aRotatedSigningKeyWorksDuringTheOverlapAndTheOldOneFailsAfter() async throws {
        let workspace = try await workspace()
        let (id, answer) = try connectedIdentity(workspace)
        let audience = try #require(answer["audience"] as? String)
        let current = try #require(ProcessInfo.processInfo.environment["PLATFORM_SIGNING_KEYS"])
        let old = try #require((try JSONSerialization.jsonObject(with: Data(current.utf8)) as? [[String: Any]])?.first)
        let next = ["kid": "rotated-\(UUID().uuidString.prefix(6))", "private_key_pem": try newRSAKeyPEM()]
        func token() throws -> String {
            try #require(try call("GET", "/api/cloud-identities/\(id)/token", workspace.member).json["value"] as? String)
        }
        let before = try token()

        // Overlap: the new key signs, the old one is still published.
        restart(signingKeys: [next, old])
        let during = try token()
        #expect(try exchange(before, audience: audience).status == 200)
        #expect(try exchange(during, audience: audience).status == 200)

        // Retired: only the new key is published.
        restart(signingKeys: [next])
        let refused = try exchange(before, audience: audience)
        #expect(refused.status == 400 && refused.json["error"] as? String == "invalid_grant", "\(refused.json)")
        #expect(try exchange(during, audience: audience).status == 200)
        #expect(try exchange(try token(), audience: audience).status == 200)
        restart(signingKeys: nil)
    }

    func restart(signingKeys: [[String: Any]]?) { fixture.restart(signingKeys: signingKeys) }
}
