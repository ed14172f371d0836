import Foundation
import JWTKit
import Runtime
import Testing
@testable import Database

@Suite struct CallerVerifierTests {
    let user = UUID()

    func verifier(issuer: String? = nil) async throws -> CallerVerifier {
        var configuration = CallerVerifier.Configuration(jwtSecret: TestDatabase.jwtSecret)
        configuration.issuer = issuer
        return try await CallerVerifier(configuration: configuration)
    }

    func request(authorization: String?) -> APIGatewayV2Request {
        APIGatewayV2Request(routeKey: "GET /api/x", rawPath: "/api/x", headers: authorization.map { ["Authorization": $0] } ?? [:],
                            requestContext: .init(http: .init(method: "GET", path: "/api/x"), requestId: "r"))
    }

    func expectRefused(_ token: String, by verifier: CallerVerifier, saying words: String) async {
        do {
            _ = try await verifier.verify(request(authorization: "Bearer \(token)"))
            Issue.record("accepted a token that should be refused (\(words))")
        } catch {
            #expect(error.status == 401)
            #expect(error.errorDescription.contains(words), "\(error.errorDescription)")
            #expect(!error.errorDescription.contains(token))
        }
    }

    @Test func acceptsAGoTrueSessionAndKeepsItsClaimsForRLS() async throws {
        let token = try await TestDatabase.token(for: user)
        let claims = try await verifier().verify(request(authorization: "Bearer \(token)"))
        #expect(claims.userID == user)
        #expect(claims.sessionID != nil)
        let json = try JSONSerialization.jsonObject(with: Data(claims.json.utf8)) as! [String: Any]
        #expect(json["role"] as? String == "authenticated")
        #expect(json["email"] as? String == "\(user.uuidString.lowercased())@example.test")
    }

    @Test func missingOrMalformedAuthorizationIs401() async throws {
        let verifier = try await verifier()
        for header in [nil, "Basic dXNlcjpwYXNz", "Bearer", "Bearer not.a.jwt"] as [String?] {
            do {
                _ = try await verifier.verify(request(authorization: header))
                Issue.record("accepted \(header ?? "no header")")
            } catch {
                #expect(error.status == 401)
                #expect(error.response.headers?["www-authenticate"] == "Bearer")
            }
        }
    }

    /// GoTrue signs the public anon key and the service key with the same secret as users' sessions.
    @Test(arguments: ["anon", "service_role", "supabase_admin", nil] as [String?])
    func onlyTheAuthenticatedRoleIsAUser(role: String?) async throws {
        var claims = GoTrueClaims(user: user, expiresIn: 600, audience: "authenticated", issuer: nil, notBefore: nil)
        claims.role = role
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: TestDatabase.jwtSecret), digestAlgorithm: .sha256)
        await expectRefused(try await keys.sign(claims), by: try await verifier(), saying: "not a signed-in user")
    }

    /// RFC 7515 §4.1.11: extensions the verifier does not understand make the token invalid.
    @Test func refusesTokensWithCriticalHeaderExtensions() async throws {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: TestDatabase.jwtSecret), digestAlgorithm: .sha256)
        var header = JWTHeader()
        header.crit = ["exp"]
        let claims = GoTrueClaims(user: user, expiresIn: 600, audience: "authenticated", issuer: nil, notBefore: nil)
        await expectRefused(try await keys.sign(claims, header: header), by: try await verifier(), saying: "critical")
        // The same claims without `crit` pass: the header is the only difference.
        _ = try await verifier().verify(request(authorization: "Bearer \(try await keys.sign(claims))"))
    }

    /// A token that points at its own key (`jku`, `jwk`) is still checked against the configured keys only.
    @Test func aTokensOwnKeyURLIsNeverTrusted() async throws {
        let attacker = JWTKeyCollection()
        await attacker.add(hmac: HMACKey(from: "an attacker's own secret, long enough to sign"), digestAlgorithm: .sha256)
        var header = JWTHeader()
        header.jku = "http://127.0.0.1:1/attacker-jwks.json"
        let claims = GoTrueClaims(user: user, expiresIn: 600, audience: "authenticated", issuer: nil, notBefore: nil)
        await expectRefused(try await attacker.sign(claims, header: header), by: try await verifier(), saying: "signature")
    }

    @Test func refusesExpiredTokens() async throws {
        await expectRefused(try await TestDatabase.token(for: user, expiresIn: -60), by: try await verifier(), saying: "expired")
    }

    @Test func refusesTokensNotValidYet() async throws {
        await expectRefused(try await TestDatabase.token(for: user, notBefore: Date().addingTimeInterval(600)), by: try await verifier(), saying: "not valid yet")
    }

    @Test func refusesTokensSignedWithAnotherKey() async throws {
        await expectRefused(try await TestDatabase.token(for: user, secret: "another-secret-that-is-also-32-chars-long"), by: try await verifier(), saying: "signature")
    }

    @Test func refusesTokensForAnotherAudience() async throws {
        await expectRefused(try await TestDatabase.token(for: user, audience: "some-other-service"), by: try await verifier(), saying: "audience")
    }

    @Test func refusesTokensFromAnotherIssuer() async throws {
        let verifier = try await verifier(issuer: "https://project.supabase.co/auth/v1")
        await expectRefused(try await TestDatabase.token(for: user, issuer: "https://evil.example/auth/v1"), by: verifier, saying: "issuer")
        _ = try await verifier.verify(token: try await TestDatabase.token(for: user, issuer: "https://project.supabase.co/auth/v1"))
    }

    @Test func refusesUnsignedTokens() async throws {
        func base64URL(_ text: String) -> String {
            Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let exp = Int(Date().addingTimeInterval(3600).timeIntervalSince1970)
        let payload = base64URL(#"{"sub":"\#(user.uuidString.lowercased())","aud":"authenticated","exp":\#(exp),"role":"authenticated"}"#)
        for header in [#"{"alg":"none","typ":"JWT"}"#, #"{"alg":"None"}"#] {
            await expectRefused("\(base64URL(header)).\(payload).", by: try await verifier(), saying: "signature")
        }
        // A valid signature with the payload swapped for another user's is refused too.
        let genuine = try await TestDatabase.token(for: UUID()).split(separator: ".")
        await expectRefused("\(genuine[0]).\(payload).\(genuine[2])", by: try await verifier(), saying: "signature")
    }

    @Test func verifiesES256TokensAgainstAJWKS() async throws {
        let key = ES256PrivateKey()
        let parameters = try #require(key.publicKey.parameters)
        let jwks = #"{"keys":[{"kty":"EC","crv":"P-256","kid":"key-1","alg":"ES256","use":"sig","x":"\#(parameters.x)","y":"\#(parameters.y)"}]}"#
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-\(UUID().uuidString).json")
        try jwks.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }

        let verifier = try await CallerVerifier(configuration: .init(jwksURL: file.absoluteString))
        let signer = JWTKeyCollection()
        await signer.add(ecdsa: key, kid: "key-1")
        let token = try await signer.sign(GoTrueClaims(user: user, expiresIn: 600, audience: "authenticated", issuer: nil, notBefore: nil), kid: "key-1")
        #expect(try await verifier.verify(token: token).userID == user)

        let stranger = JWTKeyCollection()
        await stranger.add(ecdsa: ES256PrivateKey(), kid: "key-1")
        let forged = try await stranger.sign(GoTrueClaims(user: user, expiresIn: 600, audience: "authenticated", issuer: nil, notBefore: nil), kid: "key-1")
        await expectRefused(forged, by: verifier, saying: "signature")
    }
}
