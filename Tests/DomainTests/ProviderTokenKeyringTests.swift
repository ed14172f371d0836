import Crypto
import Foundation
import Testing
@testable import Domain

struct ProviderTokenKeyringTests {
    let owner = UUID()
    static let hexKey = String(repeating: "ab", count: 32)

    @Test func aSealedTokenOpensOnlyForItsOwnerProviderAndKind() throws {
        let keyring = try ProviderTokenKeyring(configuration: "1:\(Self.hexKey)")
        let sealed = keyring.seal("gho_secret", owner: owner, provider: .github, kind: .access)
        #expect(!String(decoding: sealed, as: UTF8.self).contains("gho_secret"))
        #expect(try keyring.open(sealed, version: 1, owner: owner, provider: .github, kind: .access) == "gho_secret")
        #expect(throws: ProviderTokenKeyring.Failure.unreadable) { try keyring.open(sealed, version: 1, owner: UUID(), provider: .github, kind: .access) }
        #expect(throws: ProviderTokenKeyring.Failure.unreadable) { try keyring.open(sealed, version: 1, owner: owner, provider: .gitlab, kind: .access) }
        #expect(throws: ProviderTokenKeyring.Failure.unreadable) { try keyring.open(sealed, version: 1, owner: owner, provider: .github, kind: .refresh) }
        var tampered = sealed
        tampered[tampered.count - 1] ^= 1
        #expect(throws: ProviderTokenKeyring.Failure.unreadable) { try keyring.open(tampered, version: 1, owner: owner, provider: .github, kind: .access) }
    }

    @Test func everySealUsesAFreshNonce() throws {
        let keyring = try ProviderTokenKeyring(configuration: "1:\(Self.hexKey)")
        #expect(keyring.seal("same", owner: owner, provider: .github, kind: .access) != keyring.seal("same", owner: owner, provider: .github, kind: .access))
    }

    @Test func theHighestVersionSealsAndEveryListedVersionOpens() throws {
        let old = try ProviderTokenKeyring(configuration: "1:\(Self.hexKey)")
        let sealedOld = old.seal("ghr_refresh", owner: owner, provider: .github, kind: .refresh)
        let rotated = try ProviderTokenKeyring(configuration: "2:\(String(repeating: "cd", count: 32)), 1:\(Self.hexKey)")
        #expect(rotated.currentVersion == 2)
        #expect(try rotated.open(sealedOld, version: 1, owner: owner, provider: .github, kind: .refresh) == "ghr_refresh")
        let sealedNew = rotated.seal("ghr_refresh", owner: owner, provider: .github, kind: .refresh)
        #expect(throws: ProviderTokenKeyring.Failure.unknownKeyVersion(2)) { try old.open(sealedNew, version: 2, owner: owner, provider: .github, kind: .refresh) }
    }

    @Test func misconfiguredKeysAreRefusedAtStart() {
        #expect(throws: ProviderTokenKeyring.Failure.self) { try ProviderTokenKeyring(configuration: "") }
        #expect(throws: ProviderTokenKeyring.Failure.self) { try ProviderTokenKeyring(configuration: "1:abcd") }
        #expect(throws: ProviderTokenKeyring.Failure.self) { try ProviderTokenKeyring(configuration: Self.hexKey) }
        #expect(throws: ProviderTokenKeyring.Failure.self) { try ProviderTokenKeyring(configuration: "0:\(Self.hexKey)") }
        #expect(throws: ProviderTokenKeyring.Failure.self) { try ProviderTokenKeyring(configuration: "1:\(Self.hexKey),1:\(Self.hexKey)") }
    }
}

struct TokenRefreshAnswerTests {
    func read(_ status: Int, _ json: String, _ provider: GitProvider) -> TokenRefreshAnswer {
        TokenRefreshAnswer.read(status: status, body: Array(json.utf8), from: provider)
    }

    @Test func grantsFromEachProvider() {
        #expect(read(200, #"{"access_token":"ghu_1","expires_in":28800,"refresh_token":"ghr_2","refresh_token_expires_in":15811200,"scope":"repo,gist","token_type":"bearer"}"#, .github)
            == .granted(TokenGrant(accessToken: "ghu_1", refreshToken: "ghr_2", expiresIn: 28800, refreshTokenExpiresIn: 15811200, scopes: ["repo", "gist"])))
        #expect(read(200, #"{"access_token":"a","token_type":"Bearer","expires_in":7200,"refresh_token":"r","scope":"api read_user","created_at":1}"#, .gitlab)
            == .granted(TokenGrant(accessToken: "a", refreshToken: "r", expiresIn: 7200, scopes: ["api", "read_user"])))
        #expect(read(200, #"{"access_token":"a","scopes":"repository account","expires_in":7200,"refresh_token":"r","token_type":"bearer"}"#, .bitbucket)
            == .granted(TokenGrant(accessToken: "a", refreshToken: "r", expiresIn: 7200, scopes: ["repository", "account"])))
    }

    @Test func aDeadRefreshTokenIsToldApartFromAnOutage() {
        guard case .refreshTokenRejected = read(200, #"{"error":"bad_refresh_token","error_description":"The refresh token passed is incorrect or expired."}"#, .github) else {
            Issue.record("GitHub's HTTP 200 error is a dead refresh token"); return
        }
        guard case .refreshTokenRejected = read(400, #"{"error":"invalid_grant","error_description":"The provided authorization grant is invalid"}"#, .gitlab) else {
            Issue.record("invalid_grant is a dead refresh token"); return
        }
        guard case .unavailable = read(200, #"{"error":"incorrect_client_credentials"}"#, .github) else {
            Issue.record("the platform's own client credentials are not the user's fault"); return
        }
        guard case .unavailable = read(502, "<html>Bad gateway</html>", .bitbucket) else { Issue.record("5xx is an outage"); return }
        guard case .unavailable = read(429, "", .gitlab) else { Issue.record("throttling is an outage"); return }
        guard case .unavailable = read(200, #"{"token_type":"bearer"}"#, .github) else { Issue.record("no access token is no grant"); return }
    }
}
