import Database
import Domain
import FoundationEssentials
import Runtime

/// Git provider tokens at rest and fresh: stores what a sign-in brought, hands out a valid access
/// token (refreshing it first when it is about to expire) and refreshes due tokens on schedule.
/// Works through whichever session its caller holds: the owner's (row-level security: owner
/// only) or the system's.
///
/// Every read locks the row (`FOR UPDATE`) for the whole decision, refresh included, so
/// concurrent readers refresh once: the others wait, then find the rotated row fresh.
public struct ProviderTokenVault: Sendable {
    let keyring: ProviderTokenKeyring
    let providers: GitProviderClient
    /// A token expiring sooner than this is refreshed before it is handed out.
    let refreshWindow: Duration
    /// Opens what the sign-in trigger sealed; without it, sealed imports wait.
    let signInKey: SignInTokenKey?

    public init(keyring: ProviderTokenKeyring, providers: GitProviderClient, refreshWindow: Duration = .seconds(300), signInKey: SignInTokenKey? = nil) {
        self.keyring = keyring
        self.providers = providers
        self.refreshWindow = refreshWindow
        self.signInKey = signInKey
    }

    public struct ValidToken: Sendable {
        public let provider: GitProvider
        public let accessToken: String
        public let expiresAt: Date?
        public let scopes: [String]
    }

    public enum Reading: Sendable {
        case token(ValidToken)
        case notFound
        /// The user must sign in with the provider again (the reason says why).
        case needsReauth(String)
        /// The token expired and the provider could not be reached; the old token is kept.
        case unavailable(String)
        /// The token expired and the platform has no OAuth client to refresh it with.
        case notConfigured(String)
    }

    /// What a sign-in brought: replaces the owner's row for the provider, active again.
    public struct Grant: Sendable {
        public var accessToken: String
        public var refreshToken: String?
        public var accessTokenExpiresAt: Date?
        public var refreshTokenExpiresAt: Date?
        public var scopes: [String]

        public init(accessToken: String, refreshToken: String?, accessTokenExpiresAt: Date?, refreshTokenExpiresAt: Date?, scopes: [String]) {
            self.accessToken = accessToken
            self.refreshToken = refreshToken
            self.accessTokenExpiresAt = accessTokenExpiresAt
            self.refreshTokenExpiresAt = refreshTokenExpiresAt
            self.scopes = scopes
        }
    }

    public func store(_ grant: Grant, owner: UUID, provider: GitProvider, session: some DatabaseSession) async throws {
        try await session.transaction { transaction in
            // A newer grant than any import still waiting from the last sign-in.
            _ = try await transaction.query("SELECT 1 FROM private.take_provider_token_import($1, $2)", owner, provider.rawValue)
            try await upsert(grant, owner: owner, provider: provider, transaction)
        }
    }

    /// `getValidProviderToken`: the owner's access token for the provider, valid for at least the
    /// refresh window when the provider allows it.
    public func validToken(owner: UUID, provider: GitProvider, session: some DatabaseSession) async throws -> Reading {
        try await session.transaction { transaction in
            try await sealImport(owner: owner, provider: provider, transaction)
            guard let row = try await transaction.query(
                "SELECT \(StoredProviderToken.columns) FROM public.provider_tokens WHERE user_id = $1 AND provider = $2 FOR UPDATE",
                owner, provider.rawValue).first else { return .notFound }
            switch try await renew(row, window: refreshWindow, transaction) {
            case .current(let token), .refreshed(let token), .keptAfterFailedRefresh(let token, _): return .token(token)
            case .needsReauth(let reason): return .needsReauth(reason)
            case .unavailable(let reason): return .unavailable(reason)
            case .notConfigured(let reason): return .notConfigured(reason)
            }
        }
    }

    /// Moves a pending import from the last sign-in into provider_tokens, sealed.
    @discardableResult
    func sealImport(owner: UUID, provider: GitProvider, _ transaction: Transaction) async throws -> Bool {
        guard let pending = try await transaction.query(
            "SELECT sealed_tokens, access_token, refresh_token, access_token_expires_at, scopes FROM private.take_provider_token_import($1, $2)",
            owner, provider.rawValue).first else { return false }
        let tokens = try signInTokens(pending)
        let grant = Grant(accessToken: tokens.access_token, refreshToken: tokens.refresh_token,
                          accessTokenExpiresAt: try pending["access_token_expires_at"], refreshTokenExpiresAt: nil, scopes: try pending["scopes"])
        try await upsert(grant, owner: owner, provider: provider, transaction)
        return true
    }

    struct SignInTokens: Decodable {
        let access_token: String
        let refresh_token: String?
    }

    /// The tokens of an import: opened with the sign-in key (an import from before sealing began
    /// carries them in its plain columns). A failure rolls the take back: the import stays.
    private func signInTokens(_ pending: Row) throws -> SignInTokens {
        guard let sealed: Bytes = try pending["sealed_tokens"] else {
            return SignInTokens(access_token: try pending["access_token"], refresh_token: try pending["refresh_token"])
        }
        guard let signInKey else { throw SignInTokenKey.Unsealable(description: "PROVIDER_TOKEN_IMPORT_KEY is not set: a sealed sign-in import cannot be opened") }
        return try JSONDecoder().decode(SignInTokens.self, from: Data(try signInKey.open(sealed.bytes)))
    }

    /// `refreshing`: the grant came from a refresh (recorded as `last_refreshed_at`), not a sign-in.
    private func upsert(_ grant: Grant, owner: UUID, provider: GitProvider, refreshing: Bool = false, _ transaction: Transaction) async throws {
        _ = try await transaction.query("""
            INSERT INTO public.provider_tokens AS t (user_id, provider, access_token_ciphertext, refresh_token_ciphertext, key_version,
                access_token_expires_at, refresh_token_expires_at, scopes, status, last_error, last_refreshed_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', NULL, CASE WHEN $9 THEN now() END)
            ON CONFLICT (user_id, provider) DO UPDATE SET
              access_token_ciphertext = EXCLUDED.access_token_ciphertext, refresh_token_ciphertext = EXCLUDED.refresh_token_ciphertext,
              key_version = EXCLUDED.key_version, access_token_expires_at = EXCLUDED.access_token_expires_at,
              refresh_token_expires_at = EXCLUDED.refresh_token_expires_at, scopes = EXCLUDED.scopes,
              status = 'active', last_error = NULL, updated_at = now(),
              last_refreshed_at = CASE WHEN $9 THEN now() ELSE t.last_refreshed_at END
            """,
            owner, provider.rawValue, Bytes(keyring.seal(grant.accessToken, owner: owner, provider: provider, kind: .access)),
            grant.refreshToken.map { Bytes(keyring.seal($0, owner: owner, provider: provider, kind: .refresh)) },
            keyring.currentVersion, grant.accessTokenExpiresAt, grant.refreshTokenExpiresAt, grant.scopes, refreshing)
    }

    enum Decision {
        case current(ValidToken)
        case refreshed(ValidToken)
        /// Still valid for a while, so handed out although the refresh failed.
        case keptAfterFailedRefresh(ValidToken, String)
        case needsReauth(String)
        case unavailable(String)
        case notConfigured(String)
    }

    /// The decision on one locked row: hand it out, re-seal it under the current key, refresh it,
    /// or give up on it.
    func renew(_ row: Row, window: Duration, _ transaction: Transaction) async throws -> Decision {
        let stored: StoredProviderToken
        switch try StoredProviderToken.read(row, keyring: keyring) {
        case .unreadable(let id, let reason):
            try await markNeedsReauth(id, reason, transaction)
            return .needsReauth(reason)
        case .readable(let token):
            stored = token
        }
        guard stored.status == "active" else { return .needsReauth(stored.lastError ?? "sign in with \(stored.provider.displayName) again") }

        let now = Date()
        let isExpired = stored.accessTokenExpiresAt.map { $0 <= now } ?? false
        let isDue = stored.accessTokenExpiresAt.map { $0.timeIntervalSince(now) < window.seconds } ?? false
        guard isDue else {
            if stored.keyVersion != keyring.currentVersion { try await reseal(stored, transaction) }
            return .current(stored.valid)
        }
        guard let refreshToken = stored.refreshToken, stored.refreshTokenExpiresAt.map({ $0 > now }) ?? true else {
            guard isExpired else { return .current(stored.valid) }
            let reason = "the \(stored.provider.displayName) token expired and cannot be refreshed"
            try await markNeedsReauth(stored.id, reason, transaction)
            return .needsReauth(reason)
        }

        switch await providers.refresh(refreshToken, at: stored.provider) {
        case .granted(let grant):
            let refreshed = Grant(
                accessToken: grant.accessToken, refreshToken: grant.refreshToken ?? refreshToken,
                accessTokenExpiresAt: grant.expiresIn.map { TokenLifetime.expiry(after: $0, from: now) },
                refreshTokenExpiresAt: grant.refreshTokenExpiresIn.map { TokenLifetime.expiry(after: $0, from: now) }
                    ?? (grant.refreshToken == nil ? stored.refreshTokenExpiresAt : nil),
                scopes: grant.scopes ?? stored.scopes)
            try await upsert(refreshed, owner: stored.owner, provider: stored.provider, refreshing: true, transaction)
            return .refreshed(ValidToken(provider: stored.provider, accessToken: refreshed.accessToken, expiresAt: refreshed.accessTokenExpiresAt, scopes: refreshed.scopes))
        case .refreshTokenRejected(let reason):
            try await markNeedsReauth(stored.id, reason, transaction)
            return .needsReauth(reason)
        case .unavailable(let reason):
            _ = try await transaction.query("UPDATE public.provider_tokens SET last_error = $2, updated_at = now() WHERE id = $1", stored.id, String(reason.prefix(1000)))
            return isExpired ? .unavailable(reason) : .keptAfterFailedRefresh(stored.valid, reason)
        case .notConfigured(let reason):
            return isExpired ? .notConfigured(reason) : .keptAfterFailedRefresh(stored.valid, reason)
        }
    }

    private func reseal(_ stored: StoredProviderToken, _ transaction: Transaction) async throws {
        _ = try await transaction.query(
            "UPDATE public.provider_tokens SET access_token_ciphertext = $2, refresh_token_ciphertext = $3, key_version = $4, updated_at = now() WHERE id = $1",
            stored.id, Bytes(keyring.seal(stored.accessToken, owner: stored.owner, provider: stored.provider, kind: .access)),
            stored.refreshToken.map { Bytes(keyring.seal($0, owner: stored.owner, provider: stored.provider, kind: .refresh)) },
            keyring.currentVersion)
    }

    private func markNeedsReauth(_ id: UUID, _ reason: String, _ transaction: Transaction) async throws {
        _ = try await transaction.query(
            "UPDATE public.provider_tokens SET status = 'needs_reauth', last_error = $2, updated_at = now() WHERE id = $1", id, String(reason.prefix(1000)))
    }
}

extension StoredProviderToken {
    var valid: ProviderTokenVault.ValidToken {
        .init(provider: provider, accessToken: accessToken, expiresAt: accessTokenExpiresAt, scopes: scopes)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

extension ProviderTokenVault {
    /// `PROVIDER_TOKEN_KEYS` (required), the providers' `*_URL` / `*_CLIENT_ID` / `*_CLIENT_SECRET`,
    /// `PROVIDER_TOKEN_REFRESH_WINDOW_SECONDS` (default 300) and `PROVIDER_TOKEN_IMPORT_KEY`.
    public init(environment: Environment) throws {
        let keyring = try ProviderTokenKeyring(configuration: try environment.required("PROVIDER_TOKEN_KEYS"))
        let window = environment["PROVIDER_TOKEN_REFRESH_WINDOW_SECONDS"].flatMap(Int.init) ?? 300
        self.init(keyring: keyring, providers: GitProviderClient(environment: environment), refreshWindow: .seconds(window),
                  signInKey: try SignInTokenKey(environment: environment))
    }
}
