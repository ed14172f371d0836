import Database
import Domain
import FoundationEssentials

/// A provider_tokens row, locked by the transaction that read it, with its tokens decrypted.
struct StoredProviderToken {
    let id: UUID
    let owner: UUID
    let provider: GitProvider
    let accessToken: String
    let refreshToken: String?
    let keyVersion: Int
    let accessTokenExpiresAt: Date?
    let refreshTokenExpiresAt: Date?
    let scopes: [String]
    let status: String
    let lastError: String?

    static let columns = """
        id, user_id, provider, access_token_ciphertext, refresh_token_ciphertext, key_version, access_token_expires_at,
        refresh_token_expires_at, scopes, status, last_error
        """

    enum Reading {
        case readable(StoredProviderToken)
        /// The ciphertext does not open for this row's owner and provider.
        case unreadable(id: UUID, reason: String)
    }

    static func read(_ row: Row, keyring: ProviderTokenKeyring) throws -> Reading {
        let id: UUID = try row["id"], owner: UUID = try row["user_id"], version: Int = try row["key_version"]
        guard let provider = GitProvider(rawValue: try row["provider"]) else { throw DatabaseError.decoding("unknown provider") }
        let accessToken: String, refreshToken: String?
        do {
            accessToken = try keyring.open((try row["access_token_ciphertext"] as Bytes).bytes, version: version, owner: owner, provider: provider, kind: .access)
            refreshToken = try (try row["refresh_token_ciphertext"] as Bytes?).map {
                try keyring.open($0.bytes, version: version, owner: owner, provider: provider, kind: .refresh)
            }
        } catch ProviderTokenKeyring.Failure.unreadable {
            return .unreadable(id: id, reason: ProviderTokenKeyring.Failure.unreadable.description)
        }
        return .readable(StoredProviderToken(
            id: id, owner: owner, provider: provider, accessToken: accessToken, refreshToken: refreshToken, keyVersion: version,
            accessTokenExpiresAt: try row["access_token_expires_at"], refreshTokenExpiresAt: try row["refresh_token_expires_at"],
            scopes: try row["scopes"], status: try row["status"], lastError: try row["last_error"]))
    }
}
