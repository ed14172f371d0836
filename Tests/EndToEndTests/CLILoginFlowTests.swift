import Crypto
import Domain
import Foundation
import JWTKit
import Runtime
import Testing
@_spi(Privileged) import Database

/// The seed's CLI login, end to end: the deployment template served by the gateway, the real
/// functions, the real Postgres.
@Suite(.serialized) final class CLILoginFlowTests: @unchecked Sendable {
    let gateway: GatewayProcess
    let owner: Database

    init() throws {
        gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8))
        owner = try Database(url: try #require(ProcessInfo.processInfo.environment["MIGRATION_DATABASE_URL"]), applicationName: "cli-login-tests")
    }

    /// Each login's key pair, as the CLI makes one per login (device code → private key).
    var keys: [String: P256.Signing.PrivateKey] = [:]

    struct Tokens {
        let access: String
        let refresh: String
    }

    // MARK: Steps a user and the CLI take

    func makeUser() async throws -> (id: UUID, token: String) { try await makeSignedInUser(owner: owner) }

    func post(_ path: String, _ body: [String: String], bearer: String? = nil) throws -> (status: Int, json: [String: Any], headers: [String: String]) {
        let data = try JSONSerialization.data(withJSONObject: body)
        let response = try gateway.request("POST", path, body: String(decoding: data, as: UTF8.self),
                                           headers: bearer.map { [("Authorization", "Bearer \($0)")] } ?? [])
        return (response.status, (try? jsonObject(response.body)) ?? [:], response.headers)
    }

    /// The approval's body, with the public key of a fresh key pair for this device code.
    func approval(_ device: String, clientName: String = "cli:test@laptop") -> [String: String] {
        let key = keys[device.lowercased()] ?? P256.Signing.PrivateKey()
        keys[device.lowercased()] = key
        return ["device_code": device, "public_key": Base64URL.encode(Array(key.publicKey.x963Representation)), "client_name": clientName]
    }

    func approve(_ device: String, bearer: String, clientName: String = "cli:test@laptop") throws -> String {
        let approval = try post("/api/auth/cli/authorize", approval(device, clientName: clientName), bearer: bearer)
        #expect(approval.status == 201, "\(approval.json)")
        let expiresAt = try #require(approval.json["expires_at"] as? String, "expires_at is an ISO 8601 time")
        #expect(ISO8601DateFormatter().date(from: expiresAt).map { $0.timeIntervalSinceNow > 500 } == true, "\(expiresAt)")
        return try #require(approval.json["verification_code"] as? String)
    }

    /// The CLI's exchange, signed with the login's key (or `signer`, someone else's).
    func exchange(_ device: String, _ code: String, signer: P256.Signing.PrivateKey? = nil) throws -> (status: Int, json: [String: Any], headers: [String: String]) {
        var proof = "AAAA"
        if let key = signer ?? keys[device.lowercased()], let deviceCode = DeviceCode(device), let typed = VerificationCode(typed: code) {
            proof = try CLIClientKey.proof(signing: key, deviceCode: deviceCode, code: typed)
        }
        return try post("/api/auth/cli/exchange", ["device_code": device, "verification_code": code, "proof": proof])
    }

    func login() async throws -> (user: UUID, tokens: Tokens) {
        let user = try await makeUser()
        let device = UUID().uuidString
        let code = try approve(device, bearer: user.token)
        let result = try exchange(device, code)
        #expect(result.status == 200, "\(result.json)")
        return (user.id, Tokens(access: try #require(result.json["access_token"] as? String), refresh: try #require(result.json["refresh_token"] as? String)))
    }

    func wrongCode(for code: String) -> String {
        let alphabet = Array("ACDEFGHJKMNPQRTUVWXY34679")
        let first = code.first!
        return String(alphabet.first { $0 != first }!) + code.dropFirst()
    }

    // MARK: The flow

    @Test func approveExchangeRefreshLogout() async throws {
        let user = try await makeUser()
        let device = UUID().uuidString
        // The CLI polls before the user approves.
        #expect(try exchange(device, "ACD-EFG").json["error"] as? String == "authorization_pending")

        let code = try approve(device, bearer: user.token)
        #expect(code.count == 7 && code.contains("-"))
        let tokens = try exchange(device, code)
        #expect(tokens.status == 200)
        #expect(tokens.headers["cache-control"] == "no-store")
        #expect(tokens.json["token_type"] as? String == "Bearer")
        #expect(tokens.json["expires_in"] as? Int == 900)
        let refresh = try #require(tokens.json["refresh_token"] as? String)
        #expect(refresh.hasPrefix("zcp_rt_"))
        let access = try #require(tokens.json["access_token"] as? String)

        // The access token is an RS256 JWT from the platform, verifiable with the published keys.
        let jwks = try gateway.request("GET", "/.well-known/jwks.json")
        let verifier = JWTKeyCollection()
        try await verifier.add(jwksJSON: String(decoding: jwks.body, as: UTF8.self))
        struct Access: JWTPayload {
            let sub: SubjectClaim, aud: AudienceClaim, iss: IssuerClaim, exp: ExpirationClaim, session_id: String
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        let claims = try await verifier.verify(access, as: Access.self)
        #expect(claims.sub.value == user.id.uuidString.lowercased())
        #expect(claims.aud.value == ["platform-cli"])
        #expect(claims.iss.value == ProcessInfo.processInfo.environment["PLATFORM_URL"])
        #expect(claims.exp.value.timeIntervalSinceNow > 800 && claims.exp.value.timeIntervalSinceNow <= 900)

        // A strict verifier (joserfc) accepts it in the very second it was issued: integer
        // NumericDates, RFC 9068's typ, jti and client_id.
        let strict = try runProgram("/usr/bin/env", arguments: [
            "python3", "Tests/Support/strict-verifier/verify-access-token.py", "\(gateway.baseURL)/.well-known/jwks.json",
            try #require(ProcessInfo.processInfo.environment["PLATFORM_URL"]), "platform-cli",
        ], standardInput: access)
        #expect(strict.status == 0, "\(strict.standardOutput) \(strict.standardError)")
        let verified = try jsonObject(Array(strict.standardOutput.utf8))
        #expect((verified["claims"] as? [String: Any])?["client_id"] as? String == "zcp-cli")

        // Single use.
        #expect(try exchange(device, code).json["error"] as? String == "invalid_grant")

        // User-facing functions accept the platform token like a GoTrue session.
        let second = try post("/api/auth/cli/authorize", approval(UUID().uuidString), bearer: access)
        #expect(second.status == 201, "\(second.json)")

        // Refresh rotates.
        let refreshed = try post("/api/auth/cli/refresh", ["refresh_token": refresh])
        #expect(refreshed.status == 200)
        let nextRefresh = try #require(refreshed.json["refresh_token"] as? String)
        #expect(nextRefresh != refresh)

        // Logout ends the session: its refresh token no longer works, and its access token, though
        // unexpired, no longer reaches anything (credentials least of all).
        let current = try #require(refreshed.json["access_token"] as? String)
        let credentialsPath = "/api/cloud-identities/\(UUID().uuidString)/credentials"
        #expect(try post(credentialsPath, [:], bearer: current).status == 404)
        #expect(try post("/api/auth/cli/logout", ["refresh_token": nextRefresh]).status == 200)
        #expect(try post("/api/auth/cli/refresh", ["refresh_token": nextRefresh]).json["error"] as? String == "invalid_grant")
        let afterLogout = try post(credentialsPath, [:], bearer: current)
        #expect(afterLogout.status == 401, "\(afterLogout.json)")
        #expect((afterLogout.json["error_description"] as? String)?.contains("CLI session") == true)

        let actions = try await owner.runAsConnectedRole([Statement(
            "SELECT array_agg(action ORDER BY id) AS actions FROM public.audit_events WHERE user_id = $1", user.id)])[0].first?["actions"] as [String]?
        #expect(actions == ["cli.device_approved", "cli.login", "cli.device_approved", "cli.logout"])
    }

    @Test func fiveWrongCodesKillTheDeviceCodeEvenForTheRightOne() async throws {
        let user = try await makeUser()
        let device = UUID().uuidString
        let code = try approve(device, bearer: user.token)
        for attempt in 1...5 {
            let result = try exchange(device, wrongCode(for: code))
            #expect(result.status == 400)
            #expect(result.json["error"] as? String == (attempt < 5 ? "invalid_grant" : "access_denied"))
            if attempt < 5 { #expect((result.json["error_description"] as? String)?.contains("\(5 - attempt) attempt") == true) }
        }
        #expect(try exchange(device, code).json["error"] as? String == "access_denied")
    }

    /// Someone who saw the login link and the code (a screen share) still cannot redeem them: the
    /// exchange must be signed by the key the CLI made for this login, which never left it.
    @Test func theLinkAndTheCodeAreNotEnoughWithoutTheCLIsKey() async throws {
        let user = try await makeUser()
        let device = UUID().uuidString
        let code = try approve(device, bearer: user.token)
        let stranger = try exchange(device, code, signer: P256.Signing.PrivateKey())
        #expect(stranger.status == 400 && stranger.json["error"] as? String == "invalid_grant", "\(stranger.json)")
        #expect(stranger.json["access_token"] == nil)
        let unsigned = try post("/api/auth/cli/exchange", ["device_code": device, "verification_code": code, "proof": ""])
        #expect(unsigned.json["error"] as? String == "invalid_grant")
        #expect(try post("/api/auth/cli/exchange", ["device_code": device, "verification_code": code]).json["error"] as? String == "invalid_request")
        // The CLI that started it still can (the wrong tries count against the five).
        #expect(try exchange(device, code).status == 200)

        // An approval must name the CLI's key: without one (or with a point not on the curve) nothing is approved.
        var keyless = approval(UUID().uuidString)
        keyless["public_key"] = nil
        #expect(try post("/api/auth/cli/authorize", keyless, bearer: user.token).status == 400)
        keyless["public_key"] = Base64URL.encode([4] + [UInt8](repeating: 1, count: 64))
        #expect(try post("/api/auth/cli/authorize", keyless, bearer: user.token).status == 400)
    }

    /// The user sees each CLI login by device name and can end one (a lost laptop): its access
    /// token stops at once, its refresh token too; another user's sessions are not theirs to see or end.
    @Test func aUserListsTheirCLISessionsAndEndsOne() async throws {
        let user = try await makeUser()
        var sessions: [(access: String, refresh: String)] = []
        for host in ["laptop", "desktop"] {
            let device = UUID().uuidString
            let code = try approve(device, bearer: user.token, clientName: "cli:ada@\(host)")
            let tokens = try exchange(device, code)
            sessions.append((try #require(tokens.json["access_token"] as? String), try #require(tokens.json["refresh_token"] as? String)))
        }
        let listed = try gateway.request("GET", "/api/auth/cli/sessions", headers: [("Authorization", "Bearer \(sessions[0].access)")])
        #expect(listed.status == 200)
        let items = try #require(try jsonObject(listed.body)["items"] as? [[String: Any]])
        #expect(Set(items.compactMap { $0["client_name"] as? String }) == ["cli:ada@laptop", "cli:ada@desktop"])
        let laptop = try #require(items.first { $0["client_name"] as? String == "cli:ada@laptop" })
        #expect(laptop["current"] as? Bool == true)
        #expect(laptop["last_used_at"] is String && laptop["expires_at"] is String && laptop["created_at"] is String)
        let desktop = try #require(items.first { $0["client_name"] as? String == "cli:ada@desktop" }?["id"] as? String)

        let other = try await makeUser()
        let foreign = try gateway.request("DELETE", "/api/auth/cli/sessions/\(desktop)", headers: [("Authorization", "Bearer \(other.token)")])
        #expect(foreign.status == 404)
        #expect(try jsonObject(try gateway.request("GET", "/api/auth/cli/sessions", headers: [("Authorization", "Bearer \(other.token)")]).body)["items"] as? [Any] != nil)

        let ended = try gateway.request("DELETE", "/api/auth/cli/sessions/\(desktop)", headers: [("Authorization", "Bearer \(sessions[0].access)")])
        #expect(ended.status == 204)
        #expect(try post("/api/cloud-identities/\(UUID().uuidString)/credentials", [:], bearer: sessions[1].access).status == 401)
        #expect(try post("/api/auth/cli/refresh", ["refresh_token": sessions[1].refresh]).json["error"] as? String == "invalid_grant")
        #expect(try post("/api/auth/cli/refresh", ["refresh_token": sessions[0].refresh]).status == 200)
        let after = try jsonObject(try gateway.request("GET", "/api/auth/cli/sessions", headers: [("Authorization", "Bearer \(user.token)")]).body)
        #expect((after["items"] as? [[String: Any]])?.compactMap { $0["client_name"] as? String } == ["cli:ada@laptop"])
        let actions = try await owner.runAsConnectedRole([Statement(
            "SELECT count(*) AS n FROM public.audit_events WHERE user_id = $1 AND action = 'cli.session_revoked'", user.id)])[0].first?["n"] as Int?
        #expect(actions == 1)
    }

    @Test func approvingTheSameDeviceCodeAgainShowsNoSecondCode() async throws {
        let user = try await makeUser()
        let device = UUID().uuidString
        _ = try approve(device, bearer: user.token)
        let again = try post("/api/auth/cli/authorize", approval(device), bearer: user.token)
        #expect(again.status == 409)
        #expect(again.json["verification_code"] == nil)
        let other = try await makeUser()
        #expect(try post("/api/auth/cli/authorize", approval(device), bearer: other.token).status == 410)
    }

    @Test func expiredCodesAreRefused() async throws {
        let user = try await makeUser()
        let device = UUID().uuidString
        let code = try approve(device, bearer: user.token)
        // Time passes: the approval is 11 minutes old.
        _ = try await owner.runAsConnectedRole([Statement(
            "UPDATE public.device_authorizations SET approved_at = now() - interval '11 minutes', expires_at = now() - interval '1 minute' WHERE user_id = $1", user.id)])
        #expect(try exchange(device, code).json["error"] as? String == "expired_token")
    }

    @Test func reusingARotatedRefreshTokenRevokesTheSession() async throws {
        let (user, tokens) = try await login()
        let rotated = try post("/api/auth/cli/refresh", ["refresh_token": tokens.refresh])
        let current = try #require(rotated.json["refresh_token"] as? String)

        // Presented again within seconds: a race between two CLI processes, refused without harm.
        #expect(try post("/api/auth/cli/refresh", ["refresh_token": tokens.refresh]).json["error"] as? String == "invalid_grant")
        let stillLive = try post("/api/auth/cli/refresh", ["refresh_token": current])
        #expect(stillLive.status == 200)
        let latest = try #require(stillLive.json["refresh_token"] as? String)

        // Presented again later: theft. The whole session ends, the latest token with it.
        _ = try await owner.runAsConnectedRole([Statement(
            "UPDATE public.refresh_tokens SET rotated_at = rotated_at - interval '1 minute' WHERE user_id = $1 AND rotated_at IS NOT NULL", user)])
        let reuse = try post("/api/auth/cli/refresh", ["refresh_token": tokens.refresh])
        #expect(reuse.json["error"] as? String == "invalid_grant")
        #expect((reuse.json["error_description"] as? String)?.contains("already used") == true)
        #expect(try post("/api/auth/cli/refresh", ["refresh_token": latest]).json["error"] as? String == "invalid_grant")
        let reason: String? = try await owner.runAsConnectedRole([Statement(
            "SELECT revoked_reason FROM public.cli_sessions WHERE user_id = $1", user)])[0].first?["revoked_reason"]
        #expect(reason == "refresh_token_reuse")
        // The session's unexpired access tokens stop at once, not when they expire.
        let latestAccess = try #require(stillLive.json["access_token"] as? String)
        #expect(try post("/api/cloud-identities/\(UUID().uuidString)/credentials", [:], bearer: latestAccess).status == 401)
    }

    @Test func concurrentRefreshesWithOneTokenHaveExactlyOneWinner() async throws {
        let (_, tokens) = try await login()
        let statuses = LockedArray()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            if let result = try? post("/api/auth/cli/refresh", ["refresh_token": tokens.refresh]) { statuses.append(result.status) }
        }
        #expect(statuses.values.sorted() == [200, 400, 400, 400])
    }

    @Test func sessionsExpireWhenIdleAndAbsolutely() async throws {
        let (user, tokens) = try await login()
        _ = try await owner.runAsConnectedRole([Statement("UPDATE public.cli_sessions SET idle_expires_at = now() - interval '1 second' WHERE user_id = $1", user)])
        let idle = try post("/api/auth/cli/refresh", ["refresh_token": tokens.refresh])
        #expect((idle.json["error_description"] as? String)?.contains("expired") == true)

        let (other, otherTokens) = try await login()
        _ = try await owner.runAsConnectedRole([Statement("UPDATE public.cli_sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1", other)])
        #expect(try post("/api/auth/cli/refresh", ["refresh_token": otherTokens.refresh]).json["error"] as? String == "invalid_grant")
    }

    /// Supabase's REST API hands the anon role to anyone: the flow's steps must not be callable
    /// there, and starting a session must need the code even when called directly.
    @Test func theFlowCannotBeShortCutThroughTheAnonRole() async throws {
        let exposed: Int? = try await owner.runAsConnectedRole([Statement(
            "SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND proname LIKE 'cli\\_%'")])[0].first?["count"]
        #expect(exposed == 0)

        let user = try await makeUser()
        let device = UUID().uuidString
        let code = try approve(device, bearer: user.token)
        let database = try Database(url: try #require(ProcessInfo.processInfo.environment["DATABASE_URL"]), applicationName: "cli-login-tests")
        let anonymous = database.anonymousSession()
        let id: UUID = try #require(try await anonymous.query(
            "SELECT id FROM private.cli_lock_device(sha256(convert_to($1, 'UTF8')))", device.lowercased()).first)["id"]
        let started = try await anonymous.query(
            "SELECT * FROM private.cli_start_session($1, $2, $3, interval '1 day', interval '2 days')",
            id, Bytes([UInt8](repeating: 7, count: 32)), Bytes([UInt8](repeating: 9, count: 32)))
        #expect(started.rows.isEmpty)
        #expect(try exchange(device, code).status == 200)
    }

    @Test func badRequestsGetOAuthErrors() throws {
        #expect(try post("/api/auth/cli/exchange", ["device_code": "not-a-uuid", "verification_code": "ACD-EFG"]).json["error"] as? String == "invalid_request")
        #expect(try post("/api/auth/cli/exchange", ["device_code": UUID().uuidString, "verification_code": "0O1"]).json["error"] as? String == "invalid_request")
        #expect(try post("/api/auth/cli/refresh", ["refresh_token": "ghp_something"]).json["error"] as? String == "invalid_grant")
        #expect(try post("/api/auth/cli/authorize", ["device_code": UUID().uuidString]).status == 401)
        let missing = try gateway.request("POST", "/api/auth/cli/exchange", body: "{")
        #expect(missing.status == 400)
    }

    @Test func aTokenForOneUserCannotReadAnothersRows() async throws {
        let (userA, tokensA) = try await login()
        let (userB, _) = try await login()
        let database = try Database(url: try #require(ProcessInfo.processInfo.environment["DATABASE_URL"]), applicationName: "cli-login-tests")
        let verifier = try await CallerVerifier(configuration: .init(environment: Environment()))
        let session = database.userSession(try await verifier.verify(token: tokensA.access))
        let seen = try await session.query("SELECT user_id FROM public.cli_sessions")
        #expect(try seen.rows.map { try $0["user_id"] as UUID } == [userA])
        #expect(try await session.query("SELECT count(*) FROM public.cli_sessions WHERE user_id = $1", userB).first?["count"] as Int? == 0)
    }
}
