import Foundation
import Runtime
import Testing
@_spi(Privileged) import Database

/// Azure through the platform's own OIDC issuer, end to end: the onboarding answer, connect
/// (including Entra's propagation delay for a new federated credential), one-hour Resource
/// Manager tokens, the runner's token endpoint as azurerm's ARM_OIDC_REQUEST_URL calls it, Entra's
/// AADSTS refusals translated, revocation when the application is gone (not on an outage). Entra
/// ID is scripts/federation-server.py, which matches issuer, subject and audience exactly and
/// verifies the signature against the gateway's published keys.
@Suite(.serialized) final class AzureFederationTests: @unchecked Sendable {
    let fixture: FederationFixture

    init() throws {
        // Connect retries while Entra has not yet seen a new credential: long enough for the
        // propagation test, short enough that a credential that will never match fails fast.
        fixture = try FederationFixture(environment: ["AZURE_PROPAGATION_WAIT_SECONDS": "6"])
    }

    struct Application {
        let people: FederationFixture.People
        let tenant = UUID().uuidString.lowercased()
        let client = UUID().uuidString.lowercased()
        let subscription = UUID().uuidString.lowercased()
        var ids: String { "tenant_id=\(tenant)&client_id=\(client)&subscription_id=\(subscription)" }
        var connection: String {
            #"{"provider":"azure","organization_id":"\#(people.workspace)","tenant_id":"\#(tenant)","client_id":"\#(client)","subscription_id":"\#(subscription)"}"#
        }
    }

    func onboarding(_ app: Application) throws -> [String: Any] {
        let answer = try fixture.call("GET", "/api/azure/federated-credential?organization_id=\(app.people.workspace)&\(app.ids)", app.people.member)
        #expect(answer.status == 200, "\(answer.json)")
        return answer.json
    }

    /// The customer's application with a federated credential for `subject` (and, optionally, one
    /// Entra does not see for `propagation` seconds).
    func customer(_ app: Application, subject: String?, issuer: String? = nil, propagation: Double = 0) throws {
        let credentials: [[String: Any]] = subject.map { [["issuer": issuer ?? fixture.issuer, "subject": $0, "audience": "api://AzureADTokenExchange"]] } ?? []
        try fixture.admin("PUT", "/_emulator/azure/apps", ["tenant_id": app.tenant, "client_id": app.client, "credentials": credentials, "propagation_seconds": propagation])
    }

    func connected(_ app: Application) throws -> String {
        try customer(app, subject: try onboarding(app)["subject"] as? String)
        let connected = try fixture.call("POST", "/api/cloud-identities", app.people.admin, body: app.connection)
        #expect(connected.status == 201, "\(connected.json)")
        return try #require((connected.json["id"] as? String)?.lowercased())
    }

    @Test func onboardingThenConnectThenTokensForMembersAndRunners() async throws {
        let app = Application(people: try await fixture.people())
        let answer = try onboarding(app)
        let subject = try #require(answer["subject"] as? String)
        #expect(answer["issuer"] as? String == fixture.issuer && answer["audience"] as? String == "api://AzureADTokenExchange")
        #expect(subject == "org:\(app.people.workspace.uuidString.lowercased()):identity:\(answer["identity_id"] as? String ?? "?")")
        #expect(((answer["az"] as? [String]) ?? []).contains { $0.contains("federated-credential create") && $0.contains(subject) })
        #expect((answer["terraform"] as? String)?.contains("azuread_application_federated_identity_credential") == true)
        #expect(try fixture.call("GET", "/api/azure/federated-credential?organization_id=\(app.people.workspace)&\(app.ids)", app.people.outsider).status == 404)
        #expect(try fixture.call("GET", "/api/azure/federated-credential?organization_id=\(app.people.workspace)&tenant_id=x&client_id=y&subscription_id=z", app.people.member).status == 400)

        try customer(app, subject: subject)
        #expect(try fixture.call("POST", "/api/cloud-identities", app.people.member, body: app.connection).status == 403)
        let connected = try fixture.call("POST", "/api/cloud-identities", app.people.admin, body: app.connection)
        #expect(connected.status == 201, "\(connected.json)")
        let id = try #require((connected.json["id"] as? String)?.lowercased())
        #expect(id == answer["identity_id"] as? String)
        #expect(try fixture.presented(subject: subject)?["purpose"] as? String == "connect")

        let issued = try fixture.call("POST", "/api/cloud-identities/\(id)/credentials", app.people.member)
        #expect(issued.status == 200 && issued.json["provider"] as? String == "azure", "\(issued.json)")
        let token = try #require(issued.json["access_token"] as? String)
        #expect(issued.headers["cache-control"] == "no-store")
        #expect(try fixture.call("POST", "/api/cloud-identities/\(id)/credentials", app.people.viewer).status == 403)
        #expect(try fixture.call("POST", "/api/cloud-identities/\(id)/credentials", app.people.outsider).status == 404)
        #expect(!fixture.gateway.log.contains(token))

        // azurerm's ARM_OIDC_REQUEST_URL mode: GET with ?audience=api://AzureADTokenExchange, {"value"} back.
        let runner = try fixture.call("GET", "/api/cloud-identities/\(id)/token?audience=api%3A%2F%2FAzureADTokenExchange", app.people.member)
        #expect(runner.status == 200, "\(runner.json)")
        let assertion = try #require(runner.json["value"] as? String)
        let claims = try #require(try JSONSerialization.jsonObject(with: Data(base64URL: String(assertion.split(separator: ".")[1]))) as? [String: Any])
        #expect(claims["aud"] as? String == "api://AzureADTokenExchange" && claims["sub"] as? String == subject && claims["iat"] is Int)
        #expect(try exchange(assertion, app).status == 200, "Entra accepts what a runner fetched")
        #expect(try fixture.call("GET", "/api/cloud-identities/\(id)/token?audience=api://other", app.people.member).status == 400)

        let listed = try fixture.call("GET", "/api/cloud-identities/\(id)", app.people.viewer).json
        #expect((listed["client_id"] as? String)?.lowercased() == app.client && listed["provider"] as? String == "azure")
    }

    /// A credential created a moment ago is not yet seen by Entra: connect retries and succeeds.
    @Test func connectWaitsOutEntrasPropagationDelay() async throws {
        let app = Application(people: try await fixture.people())
        try customer(app, subject: try onboarding(app)["subject"] as? String, propagation: 2)
        let started = Date()
        let connected = try fixture.call("POST", "/api/cloud-identities", app.people.admin, body: app.connection)
        #expect(connected.status == 201, "\(connected.json)")
        #expect(Date().timeIntervalSince(started) >= 1.5, "it waited for the credential to propagate")
    }

    enum Misconfiguration: String, CaseIterable, Sendable {
        case wrongSubject, wrongIssuer, unknownApplication, unknownTenant
    }

    @Test(arguments: Misconfiguration.allCases)
    func eachOfEntrasRefusalsIsSaidPlainly(_ case: Misconfiguration) async throws {
        let app = Application(people: try await fixture.people())
        let subject = try #require(try onboarding(app)["subject"] as? String)
        let expected: String
        switch `case` {
        case .wrongSubject:
            try customer(app, subject: subject.uppercased())  // Entra matches case too
            expected = "azure_no_matching_federated_credential"
        case .wrongIssuer:
            try customer(app, subject: subject, issuer: fixture.issuer + "/")
            expected = "azure_no_matching_federated_credential"
        case .unknownApplication:
            let other = Application(people: app.people)
            try fixture.admin("PUT", "/_emulator/azure/apps", ["tenant_id": app.tenant, "client_id": other.client, "credentials": []])
            expected = "azure_application_not_found"
        case .unknownTenant:
            expected = "azure_tenant_not_found"
        }
        let refused = try fixture.call("POST", "/api/cloud-identities", app.people.admin, body: app.connection)
        #expect(refused.status == 422 && refused.json["error"] as? String == expected, "\(`case`): \(refused.status) \(refused.json)")
        let description = (refused.json["error_description"] as? String) ?? ""
        #expect(description.contains(subject) && description.contains(fixture.issuer), "what the platform presented is said: \(description)")
        let rows = try await fixture.owner.runAsConnectedRole([Statement("SELECT count(*)::int AS n FROM public.cloud_identities WHERE organization_id = $1", app.people.workspace)])
        #expect(try rows[0].first!["n"] as Int == 0)
    }

    @Test func aDeletedApplicationRevokesTheIdentityAndAnOutageDoesNot() async throws {
        let app = Application(people: try await fixture.people())
        let id = try connected(app)
        try fixture.admin("PUT", "/_emulator/outage", ["down": true])
        let down = try fixture.call("POST", "/api/cloud-identities/\(id)/credentials", app.people.member)
        try fixture.admin("PUT", "/_emulator/outage", ["down": false])
        #expect(down.status == 503, "\(down.json)")
        #expect(try fixture.call("GET", "/api/cloud-identities/\(id)", app.people.member).json["status"] as? String == "active")

        try fixture.admin("DELETE", "/_emulator/azure/apps/\(app.tenant)/\(app.client)")
        let lost = try fixture.call("POST", "/api/cloud-identities/\(id)/credentials", app.people.member)
        #expect(lost.status == 409 && lost.json["error"] as? String == "access_lost", "\(lost.json)")
        #expect(try fixture.call("GET", "/api/cloud-identities/\(id)", app.people.member).json["status"] as? String == "revoked")
    }

    /// The client-credentials request a runner's Azure SDK makes with the assertion.
    func exchange(_ assertion: String, _ app: Application) throws -> (status: Int, json: [String: Any]) {
        let body = formURLEncoded([("client_id", app.client), ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                                   ("client_assertion", assertion), ("grant_type", "client_credentials"), ("scope", "https://management.azure.com/.default")])
        let response = try HTTPClient().send(.init(method: "POST", url: "\(fixture.emulator)/\(app.tenant)/oauth2/v2.0/token",
                                                   headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(body.utf8)))
        return (response.status, (try? jsonObject(response.body)) ?? [:])
    }
}
