import _CryptoExtras
import Foundation
import JWTKit
import Runtime
import Testing
@testable import Cloud

func makeRSAKey() throws -> JWTKit.Insecure.RSA.PrivateKey {
    try JWTKit.Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
}

struct AccessClaims: JWTPayload {
    let sub: SubjectClaim
    let exp: ExpirationClaim
    let aud: AudienceClaim
    let iss: IssuerClaim
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

@Suite struct PlatformSigningKeysTests {
    func claims(_ issuer: String) -> AccessClaims {
        AccessClaims(sub: .init(value: "user"), exp: .init(value: Date().addingTimeInterval(900)), aud: .init(value: ["platform-cli"]), iss: .init(value: issuer))
    }

    @Test func tokensVerifyAgainstThePublishedJWKS() async throws {
        let keys = try PlatformSigningKeys(issuer: "https://platform.example/", keys: [.init(id: "2026-11", privateKey: try makeRSAKey())])
        #expect(keys.issuer == "https://platform.example")
        let token = try await keys.sign(claims(keys.issuer))
        let header = try JSONSerialization.jsonObject(with: Data(base64URL: String(token.split(separator: ".")[0]))) as! [String: Any]
        #expect(header["alg"] as? String == "RS256")
        #expect(header["kid"] as? String == "2026-11")

        let verifier = JWTKeyCollection()
        try await verifier.add(jwksJSON: String(decoding: try JSONEncoder().encode(keys.jwks()), as: UTF8.self))
        let verified = try await verifier.verify(token, as: AccessClaims.self)
        #expect(verified.sub.value == "user")
    }

    @Test func aRolloverPublishesBothKeysAndSignsWithTheFirst() async throws {
        let old = try makeRSAKey(), new = try makeRSAKey()
        let before = try PlatformSigningKeys(issuer: "https://platform.example", keys: [.init(id: "old", privateKey: old)])
        let oldToken = try await before.sign(claims(before.issuer))
        let during = try PlatformSigningKeys(issuer: "https://platform.example", keys: [
            .init(id: "new", privateKey: new), .init(id: "old", publicKey: old.publicKey),
        ])
        #expect(try during.jwks().keys.map(\.kid) == ["new", "old"])
        let newToken = try await during.sign(claims(during.issuer))
        let verifier = JWTKeyCollection()
        try await verifier.add(jwksJSON: String(decoding: try JSONEncoder().encode(during.jwks()), as: UTF8.self))
        _ = try await verifier.verify(oldToken, as: AccessClaims.self)
        _ = try await verifier.verify(newToken, as: AccessClaims.self)
        #expect(newToken.split(separator: ".")[0] != oldToken.split(separator: ".")[0])
    }

    @Test func discoveryPointsAtTheJWKS() throws {
        let keys = try PlatformSigningKeys(issuer: "https://platform.example", keys: [.init(id: "k", privateKey: try makeRSAKey())])
        let document = keys.discoveryDocument()
        #expect(document.issuer == "https://platform.example")
        #expect(document.jwks_uri == "https://platform.example/.well-known/jwks.json")
        #expect(document.id_token_signing_alg_values_supported == ["RS256"])
    }

    @Test func refusesKeysetsWithoutASigningKey() throws {
        #expect(throws: ConfigurationError.self) {
            try PlatformSigningKeys(issuer: "https://platform.example", keys: [.init(id: "k", publicKey: try makeRSAKey().publicKey)])
        }
    }
}

extension Data {
    init(base64URL text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self = Data(base64Encoded: base64)!
    }
}
