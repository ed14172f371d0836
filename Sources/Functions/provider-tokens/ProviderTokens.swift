import Database
import Domain
import FoundationEssentials
import GitTokens
import Runtime

/// The signed-in user's Git provider tokens (owner only, by row-level security):
///
/// - `POST /api/provider-tokens` — the web app's OAuth callback stores what the provider gave.
/// - `GET /api/provider-tokens/{provider}` — a valid access token, refreshed first when it
///   expires within the refresh window (the seed's getValidProviderToken).
/// - `GET /api/provider-tokens` — which providers are stored, their status, scopes and expiry
///   (never a token).
/// - `DELETE /api/provider-tokens/{provider}` — forgets the tokens.
struct ProviderTokens: HTTPFunction {
    /// The provider's own token answer, passed through, plus which provider it came from.
    struct Stored: Decodable {
        let provider: String
        let access_token: String
        let refresh_token: String?
        let expires_in: Int?
        let refresh_token_expires_in: Int?
        let scope: String?
        let scopes: [String]?
    }

    struct TokenStatus: Encodable {
        let provider: String
        let status: String
        let expires_at: String?
        let scopes: [String]
    }

    struct ValidToken: Encodable {
        let provider: String
        let access_token: String
        let token_type = "bearer"
        let expires_at: String?
        let scopes: [String]
    }

    struct Listing: Encodable {
        let items: [ProviderTokenVault.TokenStatus]
    }

    let router: Router

    init(context: InitContext) async throws {
        let database = try Database(environment: context.environment, applicationName: context.functionName)
        let verifier = try await CallerVerifier(configuration: .init(environment: context.environment))
        let vault = try ProviderTokenVault(environment: context.environment)

        var router = Router()
        router.post("/api/provider-tokens") { request, context in
            let caller = try await verifier.verify(request)
            let body = try request.decodeBody(Stored.self)
            let provider = try Self.provider(body.provider)
            guard !body.access_token.isEmpty, body.refresh_token.map({ !$0.isEmpty }) ?? true else {
                throw HTTPError.badRequest("access_token (and refresh_token, when given) must not be empty")
            }
            guard body.expires_in.map(TokenLifetime.isValid) ?? true, body.refresh_token_expires_in.map(TokenLifetime.isValid) ?? true else {
                throw HTTPError.badRequest("expires_in and refresh_token_expires_in are whole seconds from 1 to \(TokenLifetime.maximumSeconds) (10 years)")
            }
            let now = Date()
            let grant = ProviderTokenVault.Grant(
                accessToken: body.access_token, refreshToken: body.refresh_token,
                accessTokenExpiresAt: body.expires_in.map { TokenLifetime.expiry(after: $0, from: now) },
                refreshTokenExpiresAt: body.refresh_token_expires_in.map { TokenLifetime.expiry(after: $0, from: now) },
                scopes: body.scopes ?? body.scope.map(TokenGrant.scopes) ?? [])
            try await vault.store(grant, owner: caller.userID, provider: provider, session: database.userSession(caller))
            context.logger.info("provider token stored", metadata: ["provider": "\(provider.rawValue)"])
            return try .json(TokenStatus(provider: provider.rawValue, status: "active", expires_at: grant.accessTokenExpiresAt?.formatted(.iso8601), scopes: grant.scopes), status: 201)
        }

        router.get("/api/provider-tokens/{provider}") { request, context in
            let caller = try await verifier.verify(request)
            let provider = try Self.provider(request.pathParameter("provider") ?? "")
            switch try await vault.validToken(owner: caller.userID, provider: provider, session: database.userSession(caller)) {
            case .token(let token):
                return try .json(
                    ValidToken(provider: provider.rawValue, access_token: token.accessToken, expires_at: token.expiresAt?.formatted(.iso8601), scopes: token.scopes),
                    headers: ["cache-control": "no-store", "pragma": "no-cache"])
            case .notFound:
                throw HTTPError.notFound("no \(provider.displayName) token is stored: sign in with \(provider.displayName)")
            case .needsReauth(let reason):
                context.logger.info("provider token needs a new sign-in", metadata: ["provider": "\(provider.rawValue)"])
                throw HTTPError(status: 409, error: "needs_reauth", description: "sign in with \(provider.displayName) again: \(reason)")
            case .unavailable(let reason):
                context.logger.warning("provider token refresh failed", metadata: ["provider": "\(provider.rawValue)", "reason": "\(reason)"])
                throw HTTPError(status: 503, error: "provider_unavailable", description: "the token expired and \(provider.displayName) could not refresh it; try again shortly",
                                headers: ["retry-after": "30"])
            case .notConfigured(let reason):
                // Not "try again": nothing changes until a sign-in or the operator's configuration does.
                context.logger.error("provider token refresh impossible", metadata: ["provider": "\(provider.rawValue)"])
                // 409, not 5xx: the token's state is the problem, and a new sign-in solves it for the user.
                throw HTTPError(status: 409, error: "provider_not_configured",
                                description: "the token expired and cannot be refreshed: \(reason). Sign in with \(provider.displayName) again for a fresh token")
            }
        }

        router.get("/api/provider-tokens") { request, _ in
            let caller = try await verifier.verify(request)
            let statuses = try await vault.statuses(owner: caller.userID, session: database.userSession(caller))
            return try .json(Listing(items: statuses), headers: ["cache-control": "no-store"])
        }

        router.delete("/api/provider-tokens/{provider}") { request, _ in
            let caller = try await verifier.verify(request)
            let provider = try Self.provider(request.pathParameter("provider") ?? "")
            _ = try await database.userSession(caller).batch([
                Statement("SELECT 1 FROM private.take_provider_token_import($1, $2)", caller.userID, provider.rawValue),
                Statement("DELETE FROM public.provider_tokens WHERE user_id = $1 AND provider = $2", caller.userID, provider.rawValue),
            ])
            return .noContent()
        }
        self.router = router
    }

    static func provider(_ name: String) throws -> GitProvider {
        guard let provider = GitProvider(rawValue: name) else {
            throw HTTPError.badRequest("provider must be one of \(GitProvider.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return provider
    }
}
