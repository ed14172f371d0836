import Foundation
import Runtime
import Testing
@_spi(Privileged) import Database

/// The two provider-token functions, for the suites that drive them.
let providerTokenTemplate = """
    AWSTemplateFormatVersion: "2010-09-09"
    Transform: AWS::Serverless-2016-10-31
    Resources:
      ProviderTokensFunction:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: ../.build/lambda/provider-tokens/
          Timeout: 30
          Events:
            Store: {Type: HttpApi, Properties: {Method: POST, Path: /api/provider-tokens}}
            List: {Type: HttpApi, Properties: {Method: GET, Path: /api/provider-tokens}}
            Get: {Type: HttpApi, Properties: {Method: GET, Path: "/api/provider-tokens/{provider}"}}
            Forget: {Type: HttpApi, Properties: {Method: DELETE, Path: "/api/provider-tokens/{provider}"}}
      ProviderTokenRefreshFunction:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: ../.build/lambda/provider-token-refresh/
          Timeout: 120
    """

/// What a user's GET, POST and DELETE see, and what the database holds, through the gateway with
/// four processes of the function, against local token endpoints that behave as the providers do.
@Suite(.serialized) final class ProviderTokenTests: @unchecked Sendable {
    let providers: TokenEndpoints
    let gateway: GatewayProcess
    let owner: Database

    init() throws {
        providers = try TokenEndpoints()
        gateway = try GatewayProcess(template: providerTokenTemplate, concurrency: 4,
                                     environment: providers.environment.merging(["PROVIDER_TOKEN_TIMEOUT_SECONDS": "1"]) { $1 })
        owner = try Database(url: try #require(ProcessInfo.processInfo.environment["MIGRATION_DATABASE_URL"]), applicationName: "provider-token-tests")
    }

    typealias User = (id: UUID, token: String)

    func store(_ user: User, _ provider: String, access: String, refresh: String?, expiresIn: Int?) throws -> (status: Int, json: [String: Any]) {
        var body: [String: Any] = ["provider": provider, "access_token": access]
        if let refresh { body["refresh_token"] = refresh }
        if let expiresIn { body["expires_in"] = expiresIn }
        let response = try gateway.request("POST", "/api/provider-tokens", body: String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self),
                                           headers: [("Authorization", "Bearer \(user.token)")])
        return (response.status, (try? jsonObject(response.body)) ?? [:])
    }

    func validToken(_ user: User, _ provider: String) throws -> (status: Int, json: [String: Any], headers: [String: String]) {
        let response = try gateway.request("GET", "/api/provider-tokens/\(provider)", headers: [("Authorization", "Bearer \(user.token)")])
        return (response.status, (try? jsonObject(response.body)) ?? [:], response.headers)
    }

    func stored(_ user: User, _ provider: String) async throws -> Row? {
        try await owner.runAsConnectedRole([Statement(
            "SELECT status, last_error, key_version, access_token_expires_at, refresh_token_ciphertext IS NOT NULL AS has_refresh, last_refreshed_at IS NOT NULL AS was_refreshed FROM public.provider_tokens WHERE user_id = $1 AND provider = $2",
            user.id, provider)])[0].first
    }

    /// Moves the stored access token's expiry to `seconds` from now.
    func expire(_ user: User, _ provider: String, inSeconds seconds: Int) async throws {
        _ = try await owner.runAsConnectedRole([Statement(
            "UPDATE public.provider_tokens SET access_token_expires_at = now() + make_interval(secs => $3) WHERE user_id = $1 AND provider = $2",
            user.id, provider, seconds)])
    }

    @Test func aStoredTokenIsHandedBackAsItIsWhileItIsFresh() async throws {
        let user = try await makeSignedInUser(owner: owner)
        let before = try providers.calls("github")
        let saved = try store(user, "github", access: "gho_fresh-\(UUID())", refresh: try providers.issueRefreshToken("github"), expiresIn: 28800)
        #expect(saved.status == 201, "\(saved.json)")
        #expect(saved.json["access_token"] == nil && saved.json["refresh_token"] == nil, "the answer does not echo the tokens")

        let answer = try validToken(user, "github")
        #expect(answer.status == 200, "\(answer.json)")
        #expect((answer.json["access_token"] as? String)?.hasPrefix("gho_fresh-") == true)
        #expect(answer.headers["cache-control"] == "no-store")
        #expect(try providers.calls("github") == before, "a token valid for hours needs no refresh")
        #expect(try #require(try await stored(user, "github"))["was_refreshed"] as Bool == false)
    }

    @Test func gitHubTokensAboutToExpireAreRefreshedAndTheRotatedRefreshTokenIsKept() async throws {
        let user = try await makeSignedInUser(owner: owner)
        let before = try providers.calls("github")
        #expect(try store(user, "github", access: "gho_old", refresh: try providers.issueRefreshToken("github"), expiresIn: 60).status == 201)

        let first = try validToken(user, "github")
        #expect(first.status == 200, "\(first.json)")
        let firstToken = try #require(first.json["access_token"] as? String)
        #expect(firstToken.hasPrefix("github-access-"), "a token expiring within the window is refreshed before it is handed out")
        let expiry = try #require((first.json["expires_at"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
        #expect(abs(expiry.timeIntervalSinceNow - 28800) < 120, "GitHub's expires_in (8 hours) is the new expiry")
        #expect(try #require(try await stored(user, "github"))["was_refreshed"] as Bool)

        // GitHub rotated the refresh token and invalidated the old one: only the saved new one works.
        try await expire(user, "github", inSeconds: 30)
        let second = try validToken(user, "github")
        #expect(second.status == 200, "\(second.json)")
        #expect((second.json["access_token"] as? String) != firstToken)
        #expect(try providers.calls("github") == before + 2)
    }

    @Test func gitLabRotatesItsRefreshTokenAndADeadOneMeansSigningInAgain() async throws {
        let user = try await makeSignedInUser(owner: owner)
        #expect(try store(user, "gitlab", access: "gitlab-old", refresh: try providers.issueRefreshToken("gitlab"), expiresIn: 10).status == 201)
        let refreshed = try validToken(user, "gitlab")
        #expect(refreshed.status == 200, "\(refreshed.json)")
        #expect(refreshed.json["scopes"] as? [String] == ["api", "read_user"])

        // A refresh token GitLab no longer knows (revoked, or used elsewhere): invalid_grant, HTTP 400.
        let other = try await makeSignedInUser(owner: owner)
        #expect(try store(other, "gitlab", access: "gitlab-expired", refresh: "gitlab-refresh-revoked", expiresIn: 1).status == 201)
        try await expire(other, "gitlab", inSeconds: -10)
        let dead = try validToken(other, "gitlab")
        #expect(dead.status == 409)
        #expect(dead.json["error"] as? String == "needs_reauth")
        #expect((dead.json["error_description"] as? String)?.contains("invalid_grant") == true)
        let row = try #require(try await stored(other, "gitlab"))
        #expect(try row["status"] as String == "needs_reauth")

        // Nothing more is attempted until the user signs in again, which makes it active again.
        let calls = try providers.calls("gitlab")
        #expect(try validToken(other, "gitlab").status == 409)
        #expect(try providers.calls("gitlab") == calls)
        #expect(try store(other, "gitlab", access: "gitlab-new-sign-in", refresh: try providers.issueRefreshToken("gitlab"), expiresIn: 7200).status == 201)
        #expect(try validToken(other, "gitlab").json["access_token"] as? String == "gitlab-new-sign-in")
    }

    @Test func gitHubsBadRefreshTokenArrivesWithHTTP200AndStillMeansSigningInAgain() async throws {
        let user = try await makeSignedInUser(owner: owner)
        #expect(try store(user, "github", access: "gho_expiring", refresh: "ghr_unknown", expiresIn: 60).status == 201)
        let answer = try validToken(user, "github")
        #expect(answer.status == 409, "\(answer.json)")
        #expect((answer.json["error_description"] as? String)?.contains("bad_refresh_token") == true)
        #expect(try #require(try await stored(user, "github"))["status"] as String == "needs_reauth")
    }

    @Test func bitbucketAuthenticatesTheClientWithBasicAuthAndKeepsItsRefreshToken() async throws {
        let user = try await makeSignedInUser(owner: owner)
        #expect(try store(user, "bitbucket", access: "bb-old", refresh: try providers.issueRefreshToken("bitbucket"), expiresIn: 60).status == 201)
        let first = try validToken(user, "bitbucket")
        #expect(first.status == 200, "\(first.json)")
        #expect((first.json["access_token"] as? String)?.hasPrefix("bitbucket-access-") == true)
        #expect(first.json["scopes"] as? [String] == ["repository", "account"])
        try await expire(user, "bitbucket", inSeconds: 0)
        let second = try validToken(user, "bitbucket")
        #expect(second.status == 200, "\(second.json)")
        #expect(second.json["access_token"] as? String != first.json["access_token"] as? String)
    }

    @Test func aProviderOutageKeepsTheOldTokenAndTheNextRequestRefreshes() async throws {
        let user = try await makeSignedInUser(owner: owner)
        #expect(try store(user, "gitlab", access: "gitlab-still-valid", refresh: try providers.issueRefreshToken("gitlab"), expiresIn: 120).status == 201)
        try providers.behave("gitlab", mode: "error", status: 503)
        defer { try? providers.behave("gitlab") }

        // Two minutes left: the refresh fails, the still-valid token is handed out.
        let stillValid = try validToken(user, "gitlab")
        #expect(stillValid.status == 200, "\(stillValid.json)")
        #expect(stillValid.json["access_token"] as? String == "gitlab-still-valid")
        let row = try #require(try await stored(user, "gitlab"))
        #expect(try row["status"] as String == "active")
        #expect((try row["last_error"] as String?)?.contains("503") == true)

        // Expired: nothing valid to hand out, but the refresh token is kept for later.
        try await expire(user, "gitlab", inSeconds: -1)
        let expired = try validToken(user, "gitlab")
        #expect(expired.status == 503, "\(expired.json)")
        #expect(expired.json["error"] as? String == "provider_unavailable")
        #expect(expired.headers["retry-after"] != nil)

        try providers.behave("gitlab")
        let recovered = try validToken(user, "gitlab")
        #expect(recovered.status == 200, "\(recovered.json)")
        #expect((recovered.json["access_token"] as? String)?.hasPrefix("gitlab-access-") == true)
        #expect(try #require(try await stored(user, "gitlab"))["last_error"] as String? == nil)
    }

    @Test func aProviderSlowerThanTheTimeoutIsAnOutageNotAHang() async throws {
        let user = try await makeSignedInUser(owner: owner)
        #expect(try store(user, "github", access: "gho_expired", refresh: try providers.issueRefreshToken("github"), expiresIn: 1).status == 201)
        try await expire(user, "github", inSeconds: -1)
        try providers.behave("github", delay: 3)
        defer { try? providers.behave("github") }
        let started = Date()
        let answer = try validToken(user, "github")
        #expect(answer.status == 503, "\(answer.json)")
        #expect(Date().timeIntervalSince(started) < 2.5, "PROVIDER_TOKEN_TIMEOUT_SECONDS (1 s here) bounds the wait")
        #expect(try #require(try await stored(user, "github"))["status"] as String == "active")
    }

    @Test func concurrentReadersOfAnExpiringTokenCauseOneRefresh() async throws {
        let user = try await makeSignedInUser(owner: owner)
        #expect(try store(user, "gitlab", access: "gitlab-expiring", refresh: try providers.issueRefreshToken("gitlab"), expiresIn: 30).status == 201)
        // A slow token endpoint: every reader arrives while the first refresh is still under way.
        try providers.behave("gitlab", delay: 0.7)
        defer { try? providers.behave("gitlab") }
        let before = try providers.calls("gitlab")

        let answers = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let answer = try self.validToken(user, "gitlab")
                    #expect(answer.status == 200, "\(answer.json)")
                    return answer.json["access_token"] as? String
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(try providers.calls("gitlab") == before + 1, "the row lock makes the others wait and use the rotated token")
        #expect(answers.count == 8 && !answers.contains(nil))
        let tokens = Set(answers.compactMap { $0 })
        #expect(tokens.count == 1)
        #expect(tokens.first?.hasPrefix("gitlab-access-") == true)
    }

    @Test func tokensArrivingWithASignInLeaveAuthIdentitiesAndAreSealedOnFirstUse() async throws {
        let user = try await makeSignedInUser(owner: owner)
        let access = "gho_from-sign-in-\(UUID())"
        let identityData = #"{"sub":"4242","email":"octo@example.test","provider_token":"\#(access)","provider_refresh_token":"ghr_from-sign-in","provider_token_expires_at":\#(Int(Date().timeIntervalSince1970) + 28800),"provider_token_scopes":"repo read:org"}"#
        _ = try await owner.runAsConnectedRole([Statement(
            "INSERT INTO auth.identities (provider_id, user_id, identity_data, provider) VALUES ($1, $2, $3::jsonb, 'github')",
            "gh-\(user.id)", user.id, identityData)])
        let identity = try #require(try await owner.runAsConnectedRole([Statement(
            "SELECT identity_data::text AS data FROM auth.identities WHERE user_id = $1", user.id)])[0].first)
        let kept: String = try identity["data"]
        #expect(!kept.contains(access) && !kept.contains("ghr_from-sign-in"), "auth.identities keeps no provider token")
        #expect(kept.contains("octo@example.test"))

        let answer = try validToken(user, "github")
        #expect(answer.status == 200, "\(answer.json)")
        #expect(answer.json["access_token"] as? String == access)
        #expect(answer.json["scopes"] as? [String] == ["repo", "read:org"])
        let pending = try await owner.runAsConnectedRole([Statement("SELECT 1 FROM private.provider_token_imports WHERE user_id = $1", user.id)])[0]
        #expect(pending.rows.isEmpty, "the import is gone once re-sealed into provider_tokens")
        #expect(try #require(try await stored(user, "github"))["has_refresh"] as Bool)
    }

    @Test func onlyTheOwnerReadsATokenAndACopiedCiphertextDoesNotOpenForAnotherUser() async throws {
        let alice = try await makeSignedInUser(owner: owner), mallory = try await makeSignedInUser(owner: owner)
        #expect(try store(alice, "github", access: "gho_alice-secret", refresh: nil, expiresIn: nil).status == 201)
        #expect(try validToken(mallory, "github").status == 404)

        // Mallory's row, overwritten with Alice's ciphertext (say, by someone with database access).
        #expect(try store(mallory, "github", access: "gho_mallory", refresh: nil, expiresIn: nil).status == 201)
        _ = try await owner.runAsConnectedRole([Statement("""
            UPDATE public.provider_tokens m SET access_token_ciphertext = a.access_token_ciphertext, key_version = a.key_version
            FROM public.provider_tokens a WHERE m.user_id = $1 AND m.provider = 'github' AND a.user_id = $2 AND a.provider = 'github'
            """, mallory.id, alice.id)])
        let swapped = try validToken(mallory, "github")
        #expect(swapped.status == 409, "\(swapped.json)")
        #expect(!"\(swapped.json)".contains("gho_alice-secret"))
        #expect(try validToken(alice, "github").json["access_token"] as? String == "gho_alice-secret")

        let forgotten = try gateway.request("DELETE", "/api/provider-tokens/github", headers: [("Authorization", "Bearer \(alice.token)")])
        #expect(forgotten.status == 204)
        #expect(try validToken(alice, "github").status == 404)
    }

    @Test func aDatabaseDumpHoldsNoPlaintextToken() async throws {
        let user = try await makeSignedInUser(owner: owner)
        let access = "gho_dump-probe-\(UUID())", refresh = try providers.issueRefreshToken("gitlab")
        #expect(try store(user, "github", access: access, refresh: nil, expiresIn: nil).status == 201)
        #expect(try store(user, "gitlab", access: "gitlab-dump-probe", refresh: refresh, expiresIn: 5).status == 201)
        let refreshed = try #require(try validToken(user, "gitlab").json["access_token"] as? String)

        let environment = ProcessInfo.processInfo.environment
        let dump = try runProgram("\(try #require(environment["PG_BIN_DIRECTORY"]))/pg_dump",
                                  arguments: ["--data-only", "--dbname", try #require(environment["MIGRATION_DATABASE_URL"])])
        #expect(dump.status == 0, "\(dump.standardError)")
        #expect(dump.standardOutput.contains(user.id.uuidString.lowercased()), "the dump has the user's rows")
        for secret in [access, refresh, refreshed] + (try providers.issuedAccessTokens()) {
            #expect(!dump.standardOutput.contains(secret), "\(secret.prefix(12))… is in the dump")
        }
    }

    /// The trigger seals a sign-in's tokens with the platform's public key before they are stored:
    /// a dump taken right after the sign-in, before the platform has touched them, holds none.
    @Test func aDumpRightAfterASignInHoldsNoProviderToken() async throws {
        let user = try await makeSignedInUser(owner: owner)
        let access = "gho_sign-in-dump-\(UUID())", refresh = "ghr_sign-in-dump-\(UUID())"
        let identityData = #"{"sub":"77","provider_token":"\#(access)","provider_refresh_token":"\#(refresh)","provider_token_expires_at":\#(Int(Date().timeIntervalSince1970) + 28800)}"#
        _ = try await owner.runAsConnectedRole([Statement(
            "INSERT INTO auth.identities (provider_id, user_id, identity_data, provider) VALUES ($1, $2, $3::jsonb, 'github')",
            "gh-dump-\(user.id)", user.id, identityData)])

        let environment = ProcessInfo.processInfo.environment
        let dump = try runProgram("\(try #require(environment["PG_BIN_DIRECTORY"]))/pg_dump",
                                  arguments: ["--data-only", "--dbname", try #require(environment["MIGRATION_DATABASE_URL"])])
        #expect(dump.status == 0, "\(dump.standardError)")
        let pending = try await owner.runAsConnectedRole([Statement(
            "SELECT sealed_tokens IS NOT NULL AS sealed, access_token IS NULL AS no_plain FROM private.provider_token_imports WHERE user_id = $1", user.id)])[0]
        #expect(try pending.first?["sealed"] as Bool? == true, "the import waits, sealed")
        #expect(try pending.first?["no_plain"] as Bool? == true)
        for secret in [access, refresh] {
            #expect(!dump.standardOutput.contains(secret), "\(secret.prefix(16))… is in the dump")
        }
        // The platform opens it with its private key and hands the token out.
        let answer = try validToken(user, "github")
        #expect(answer.json["access_token"] as? String == access, "\(answer.json)")
    }

    /// Without the private key, nothing opens a sealed import: it waits rather than being lost.
    @Test func aSealedImportWaitsForThePlatformsKey() async throws {
        let user = try await makeSignedInUser(owner: owner)
        let access = "gho_waits-\(UUID())"
        _ = try await owner.runAsConnectedRole([Statement(
            "INSERT INTO auth.identities (provider_id, user_id, identity_data, provider) VALUES ($1, $2, $3::jsonb, 'github')",
            "gh-wait-\(user.id)", user.id, #"{"sub":"78","provider_token":"\#(access)"}"#)])
        let keyless = try GatewayProcess(template: providerTokenTemplate, environment: providers.environment.merging(["PROVIDER_TOKEN_IMPORT_KEY": ""]) { $1 })
        let refused = try keyless.request("GET", "/api/provider-tokens/github", headers: [("Authorization", "Bearer \(user.token)")])
        #expect(refused.status == 500)
        #expect(!String(decoding: refused.body, as: UTF8.self).contains(access))
        #expect(try validToken(user, "github").json["access_token"] as? String == access)
    }

    /// A sealed import altered in the database (one byte of the encrypted data) does not open.
    @Test func anAlteredSealedImportIsRefused() async throws {
        let user = try await makeSignedInUser(owner: owner)
        _ = try await owner.runAsConnectedRole([
            Statement("INSERT INTO auth.identities (provider_id, user_id, identity_data, provider) VALUES ($1, $2, $3::jsonb, 'github')",
                      "gh-alter-\(user.id)", user.id, #"{"sub":"79","provider_token":"gho_altered"}"#),
            Statement("""
                UPDATE private.provider_token_imports
                SET sealed_tokens = overlay(sealed_tokens PLACING decode(lpad(to_hex(get_byte(sealed_tokens, length(sealed_tokens) - 30) # 1), 2, '0'), 'hex')
                                            FROM length(sealed_tokens) - 29 FOR 1)
                WHERE user_id = $1
                """, user.id),
        ])
        let answer = try validToken(user, "github")
        #expect(answer.status == 500, "\(answer.json)")
        #expect(!"\(answer.json)".contains("gho_altered"))
    }

    @Test func aNewKeyVersionReencryptsRowsAsTheyAreRead() async throws {
        let user = try await makeSignedInUser(owner: owner)
        #expect(try store(user, "bitbucket", access: "bb-under-old-key", refresh: try providers.issueRefreshToken("bitbucket"), expiresIn: 7200).status == 201)
        let old = try #require(ProcessInfo.processInfo.environment["PROVIDER_TOKEN_KEYS"])
        let oldVersion = try #require(old.split(separator: ",").first?.split(separator: ":").first.flatMap { Int($0) })
        let newKey = "\(oldVersion + 1):" + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()

        // Both keys configured: the row opens with the old one and is sealed again with the new.
        let rotating = try GatewayProcess(template: providerTokenTemplate, environment: providers.environment.merging(["PROVIDER_TOKEN_KEYS": "\(newKey),\(old)"]) { $1 })
        let read = try rotating.request("GET", "/api/provider-tokens/bitbucket", headers: [("Authorization", "Bearer \(user.token)")])
        #expect(read.status == 200)
        #expect(try #require(try await stored(user, "bitbucket"))["key_version"] as Int == oldVersion + 1)

        // The old key retired: the row still opens.
        let rotated = try GatewayProcess(template: providerTokenTemplate, environment: providers.environment.merging(["PROVIDER_TOKEN_KEYS": newKey]) { $1 })
        let again = try rotated.request("GET", "/api/provider-tokens/bitbucket", headers: [("Authorization", "Bearer \(user.token)")])
        #expect(try jsonObject(again.body)["access_token"] as? String == "bb-under-old-key")
    }

    @Test func badRequestsAreRefusedClearly() async throws {
        let user = try await makeSignedInUser(owner: owner)
        #expect(try store(user, "sourceforge", access: "x", refresh: nil, expiresIn: nil).status == 400)
        #expect(try store(user, "github", access: "", refresh: nil, expiresIn: nil).status == 400)
        #expect(try store(user, "github", access: "gho_x", refresh: nil, expiresIn: -5).status == 400)
        #expect(try validToken(user, "sourceforge").status == 400)
        #expect(try gateway.request("GET", "/api/provider-tokens/github").status == 401)
    }

    /// A platform without an OAuth client for the provider cannot refresh, however long one waits:
    /// that is said plainly, not as "try again later".
    @Test func anExpiredTokenWithoutTheProvidersClientConfiguredIsNotATransientFailure() async throws {
        let unconfigured = try GatewayProcess(template: providerTokenTemplate, environment: ["GITHUB_URL": providers.baseURL])
        let user = try await makeSignedInUser(owner: owner)
        let response = try unconfigured.request("POST", "/api/provider-tokens",
            body: #"{"provider":"github","access_token":"gho_old","refresh_token":"ghr_old","expires_in":60}"#, headers: [("Authorization", "Bearer \(user.token)")])
        #expect(response.status == 201)
        try await expire(user, "github", inSeconds: -1)
        let expired = try unconfigured.request("GET", "/api/provider-tokens/github", headers: [("Authorization", "Bearer \(user.token)")])
        let answer = try jsonObject(expired.body)
        #expect(answer["error"] as? String == "provider_not_configured", "\(answer)")
        #expect((answer["error_description"] as? String)?.contains("GITHUB_CLIENT_ID") == true)
        #expect(expired.header("retry-after") == nil)
        #expect(expired.status == 409)
    }
}
