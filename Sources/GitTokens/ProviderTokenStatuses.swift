import Database
import Domain
import FoundationEssentials

extension ProviderTokenVault {
    /// What the owner may know about a stored token without the token itself.
    public struct TokenStatus: Encodable, Sendable {
        public let provider: String
        public let status: String
        public let scopes: [String]
        public let expires_at: Date?
        public let has_refresh_token: Bool
        public let refresh_token_expires_at: Date?
        public let last_refreshed_at: Date?
        /// Why the last refresh failed, or why a new sign-in is needed (the provider's words).
        public let status_reason: String?
    }

    /// `GET /api/provider-tokens`: the owner's providers, after sealing whatever a sign-in left
    /// waiting (each in its own transaction: one that does not open stays and holds up nothing).
    public func statuses(owner: UUID, session: some DatabaseSession) async throws -> [TokenStatus] {
        for provider in GitProvider.allCases {
            do {
                _ = try await session.transaction { try await sealImport(owner: owner, provider: provider, $0) }
            } catch is SignInTokenKey.Unsealable, is DecodingError {
                continue
            }
        }
        let rows = try await session.query("""
            SELECT provider, status, scopes, access_token_expires_at, refresh_token_ciphertext IS NOT NULL AS has_refresh_token,
                   refresh_token_expires_at, last_refreshed_at, last_error
            FROM public.provider_tokens WHERE user_id = $1 ORDER BY provider
            """, owner).rows
        return try rows.map { row in
            TokenStatus(
                provider: try row["provider"], status: try row["status"], scopes: try row["scopes"], expires_at: try row["access_token_expires_at"],
                has_refresh_token: try row["has_refresh_token"], refresh_token_expires_at: try row["refresh_token_expires_at"],
                last_refreshed_at: try row["last_refreshed_at"], status_reason: try row["last_error"])
        }
    }
}
