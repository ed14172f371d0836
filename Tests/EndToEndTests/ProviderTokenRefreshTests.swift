import Foundation
import Runtime
import Testing
@_spi(Privileged) import Database

/// The schedule's tick. It acts on every token in the database, so `scripts/test.sh` runs it
/// alone (PLATFORM_WHOLE_DATABASE_TESTS=1), after the other suites.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["PLATFORM_WHOLE_DATABASE_TESTS"] == "1"))
final class ProviderTokenRefreshTests: @unchecked Sendable {
    let providers: TokenEndpoints
    let gateway: GatewayProcess
    let owner: Database

    init() throws {
        providers = try TokenEndpoints()
        gateway = try GatewayProcess(template: providerTokenTemplate, environment: providers.environment.merging([
            "PROVIDER_TOKEN_REFRESH_BATCH": "2", "PROVIDER_TOKEN_REFRESH_CONCURRENCY": "2",
        ]) { $1 })
        owner = try Database(url: try #require(ProcessInfo.processInfo.environment["MIGRATION_DATABASE_URL"]), applicationName: "provider-token-refresh-tests")
    }

    /// A token as a sign-in would have stored it, expiring in `seconds`.
    func store(_ user: (id: UUID, token: String), _ provider: String, refresh: String, expiresIn seconds: Int) async throws {
        let body = #"{"provider":"\#(provider)","access_token":"\#(provider)-before","refresh_token":"\#(refresh)","expires_in":7200}"#
        #expect(try gateway.request("POST", "/api/provider-tokens", body: body, headers: [("Authorization", "Bearer \(user.token)")]).status == 201)
        _ = try await owner.runAsConnectedRole([Statement(
            "UPDATE public.provider_tokens SET access_token_expires_at = now() + make_interval(secs => $3) WHERE user_id = $1 AND provider = $2",
            user.id, provider, seconds)])
    }

    func state(_ user: UUID, _ provider: String) async throws -> (status: String, expiresIn: Double) {
        let row = try #require(try await owner.runAsConnectedRole([Statement(
            "SELECT status, extract(epoch FROM access_token_expires_at - now())::float8 AS left FROM public.provider_tokens WHERE user_id = $1 AND provider = $2",
            user, provider)])[0].first)
        return (try row["status"], try row["left"])
    }

    @Test func dueTokensAreRefreshedInBatchesEachOnItsOwn() async throws {
        // Whatever earlier suites left behind is not due.
        _ = try await owner.runAsConnectedRole([Statement("UPDATE public.provider_tokens SET access_token_expires_at = now() + interval '1 day'")])
        var due: [(id: UUID, token: String)] = []
        for _ in 0..<5 {
            let user = try await makeSignedInUser(owner: owner)
            try await store(user, "github", refresh: try providers.issueRefreshToken("github"), expiresIn: 300)
            due.append(user)
        }
        let dead = try await makeSignedInUser(owner: owner)
        try await store(dead, "gitlab", refresh: "gitlab-refresh-revoked", expiresIn: 60)
        let fresh = try await makeSignedInUser(owner: owner)
        try await store(fresh, "bitbucket", refresh: try providers.issueRefreshToken("bitbucket"), expiresIn: 3 * 3600)
        // An import that does not open (altered in the database) holds up nothing.
        let altered = try await makeSignedInUser(owner: owner)
        _ = try await owner.runAsConnectedRole([
            Statement("INSERT INTO auth.identities (provider_id, user_id, identity_data, provider) VALUES ($1, $2, $3::jsonb, 'github')",
                      "gh-altered-\(altered.id)", altered.id, #"{"sub":"76","provider_token":"gho_altered"}"#),
            Statement("UPDATE private.provider_token_imports SET sealed_tokens = substring(sealed_tokens FROM 1 FOR length(sealed_tokens) - 1) WHERE user_id = $1", altered.id),
        ])
        // And one that a sign-in left in auth.identities, not yet sealed.
        let signedIn = try await makeSignedInUser(owner: owner)
        _ = try await owner.runAsConnectedRole([Statement(
            "INSERT INTO auth.identities (provider_id, user_id, identity_data, provider) VALUES ($1, $2, $3::jsonb, 'gitlab')", "gl-\(signedIn.id)", signedIn.id,
            #"{"sub":"77","provider_token":"gitlab-from-sign-in","provider_refresh_token":"x","provider_token_expires_at":\#(Int(Date().timeIntervalSince1970) + 7200)}"#)])

        let response = try gateway.invoke("provider-token-refresh", "{}")
        #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
        let summary = try jsonObject(response.body)
        #expect(summary["imported"] as? Int == 1)
        #expect((summary["unopenable"] as? Int ?? 0) >= 1)
        #expect(summary["refreshed"] as? Int == 5, "five due tokens over three batches of two")
        #expect(summary["needs_reauth"] as? Int == 1)
        #expect(try providers.calls("github") == 5)
        #expect(try providers.calls("bitbucket") == 0, "a token with hours left is not due")

        for user in due {
            let state = try await state(user.id, "github")
            #expect(state.status == "active" && state.expiresIn > 28000)
        }
        #expect(try await state(dead.id, "gitlab").status == "needs_reauth", "a dead refresh token does not stop the others")
        #expect(try await state(fresh.id, "bitbucket").expiresIn > 3 * 3600 - 120)
        #expect(try await state(signedIn.id, "gitlab").status == "active")

        // The next tick finds nothing due.
        let again = try jsonObject(try gateway.invoke("provider-token-refresh", "{}").body)
        #expect(again["refreshed"] as? Int == 0)
        #expect(try providers.calls("github") == 5)
    }
}
