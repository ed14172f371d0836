import FoundationEssentials
import JWTKit
import Runtime

/// Verifies the bearer token of a user-facing request: a Supabase GoTrue session JWT (HS256 with
/// the project's JWT secret, or ES256 / RS256 keys from a JWKS URL), checking the signature and
/// `exp`, `nbf`, `aud` and `iss`. Any failure is a 401 that says what was wrong, never echoing the token.
public struct CallerVerifier: Sendable {
    public struct Configuration: Sendable {
        /// The project's JWT secret (HS256).
        public var jwtSecret: String?
        /// Where the project's public keys are (`https://<project>.supabase.co/auth/v1/.well-known/jwks.json`).
        public var jwksURL: String?
        /// Accepted `aud` values; GoTrue's sessions carry `authenticated`.
        public var audiences: [String] = ["authenticated"]
        /// Required `iss`, when set (GoTrue's is `https://<project>.supabase.co/auth/v1`).
        public var issuer: String?
        /// Clock skew tolerated on `exp` / `nbf`.
        public var leewaySeconds: Double = 0
        /// The platform's own issuer (`PLATFORM_URL`) and public keys (its JWKS): CLI access
        /// tokens it signs are accepted too, with their own audience.
        public var platformIssuer: String?
        public var platformJWKS: String?
        public var platformAudience = "platform-cli"

        public init(jwtSecret: String? = nil, jwksURL: String? = nil, audiences: [String] = ["authenticated"], issuer: String? = nil) {
            self.jwtSecret = jwtSecret
            self.jwksURL = jwksURL
            self.audiences = audiences
            self.issuer = issuer
        }

        /// `SUPABASE_JWT_SECRET`, `SUPABASE_JWKS_URL`, `SUPABASE_JWT_AUDIENCE` (comma-separated),
        /// `SUPABASE_JWT_ISSUER`; `PLATFORM_URL` and `PLATFORM_JWKS` (public keys) for platform tokens.
        public init(environment: Environment) throws {
            jwtSecret = environment["SUPABASE_JWT_SECRET"]
            jwksURL = environment["SUPABASE_JWKS_URL"]
            audiences = environment["SUPABASE_JWT_AUDIENCE"].map { $0.split(separator: ",").map(String.init) } ?? ["authenticated"]
            issuer = environment["SUPABASE_JWT_ISSUER"]
            platformIssuer = environment["PLATFORM_URL"].map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
            platformJWKS = environment["PLATFORM_JWKS"]
            guard jwtSecret != nil || jwksURL != nil else {
                throw ConfigurationError(message: "set SUPABASE_JWT_SECRET or SUPABASE_JWKS_URL to verify callers")
            }
        }
    }

    private let keys: JWTKeyCollection
    private let configuration: Configuration
    private let now: @Sendable () -> Date

    /// Loads the keys now (init phase): a JWKS URL is fetched once per process.
    public init(configuration: Configuration, now: @escaping @Sendable () -> Date = { Date() }) async throws {
        let keys = JWTKeyCollection()
        if let secret = configuration.jwtSecret {
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        }
        if let platformJWKS = configuration.platformJWKS {
            try await keys.add(jwksJSON: platformJWKS)
        }
        if let url = configuration.jwksURL {
            let response = try HTTPClient().send(HTTPClient.Request(method: "GET", url: url, timeoutMilliseconds: 5000))
            guard response.status == 200 || (url.hasPrefix("file:") && response.status == 0) else {
                throw ConfigurationError(message: "JWKS at \(url) answered \(response.status)")
            }
            try await keys.add(jwksJSON: String(decoding: response.body, as: UTF8.self))
        }
        self.keys = keys
        self.configuration = configuration
        self.now = now
    }

    /// The caller of an HTTP request, from `Authorization: Bearer <token>`.
    public func verify(_ request: APIGatewayV2Request) async throws(HTTPError) -> VerifiedClaims {
        guard let header = request.header("authorization") else {
            throw .unauthorized("an Authorization: Bearer token is required")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw .unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        return try await verify(token: String(parts[1]).trimmingCharacters())
    }

    public func verify(token: String) async throws(HTTPError) -> VerifiedClaims {
        // RFC 7515 §4.1.11: a `crit` header names extensions the verifier must understand; this
        // one understands none, so such a token is refused. Keys come only from the configured
        // secret and JWKS: a token's own `jku` / `x5u` / `jwk` are never fetched or trusted.
        guard let header = Self.headerJSON(of: token), header["crit"] == nil else {
            throw .unauthorized("the access token is not valid: its header is malformed or has critical extensions", error: "invalid_token")
        }
        let payload: SessionPayload
        do {
            payload = try await keys.verify(token, as: SessionPayload.self)
        } catch {
            throw .unauthorized("the access token is not valid: its signature or format was refused", error: "invalid_token")
        }
        let current = now()
        guard current.timeIntervalSince1970 < payload.exp.value.timeIntervalSince1970 + configuration.leewaySeconds else {
            throw .unauthorized("the access token has expired", error: "invalid_token")
        }
        if let notBefore = payload.nbf, current.timeIntervalSince1970 + configuration.leewaySeconds < notBefore.value.timeIntervalSince1970 {
            throw .unauthorized("the access token is not valid yet", error: "invalid_token")
        }
        let isPlatformToken = configuration.platformIssuer != nil && payload.iss?.value == configuration.platformIssuer
        let audiences = isPlatformToken ? [configuration.platformAudience] : configuration.audiences
        guard let audience = payload.aud, audience.value.contains(where: audiences.contains) else {
            throw .unauthorized("the access token is not meant for this service (audience)", error: "invalid_token")
        }
        if !isPlatformToken, let issuer = configuration.issuer, payload.iss?.value != issuer {
            throw .unauthorized("the access token comes from another issuer", error: "invalid_token")
        }
        guard let userID = UUID(uuidString: payload.sub.value) else {
            throw .unauthorized("the access token's subject is not a user", error: "invalid_token")
        }
        // GoTrue signs tokens for `anon` (the public key), `service_role` and users alike with the
        // same secret: only `authenticated` is a signed-in user.
        guard payload.role == "authenticated" else {
            throw .unauthorized("the access token is not a signed-in user's (its role is \(payload.role.map { "'\($0.prefix(40))'" } ?? "missing"))", error: "invalid_token")
        }
        var cliSession: UUID?
        if isPlatformToken {
            guard let session = payload.session_id.flatMap(UUID.init(uuidString:)) else {
                throw .unauthorized("the access token names no CLI session", error: "invalid_token")
            }
            cliSession = session
        }
        // The signature covers the payload segment, so its JSON is exactly what the issuer signed.
        guard let json = Self.payloadJSON(of: token) else { throw .unauthorized("the access token is malformed", error: "invalid_token") }
        return VerifiedClaims(userID: userID, json: json, sessionID: payload.session_id, expiresAt: payload.exp.value, cliSessionID: cliSession)
    }

    static func payloadJSON(of token: String) -> String? {
        segment(1, of: token).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The JOSE header's members, or nil when it is not a JSON object.
    static func headerJSON(of token: String) -> [String: JSONValue]? {
        guard let bytes = segment(0, of: token) else { return nil }
        return try? JSONDecoder().decode([String: JSONValue].self, from: bytes)
    }

    static func segment(_ index: Int, of token: String) -> Data? {
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3 else { return nil }
        var base64 = String(segments[index]).replacing("-", with: "+").replacing("_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }

    /// Any JSON value, for reading a header whose members are not known in advance.
    struct JSONValue: Decodable {
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() || (try? container.decode(Bool.self)) != nil || (try? container.decode(Double.self)) != nil
                || (try? container.decode(String.self)) != nil || (try? container.decode([JSONValue].self)) != nil { return }
            _ = try container.decode([String: JSONValue].self)
        }
    }
}

/// The claims checked here; every other claim passes through to `request.jwt.claims`.
struct SessionPayload: JWTPayload {
    let sub: SubjectClaim
    let exp: ExpirationClaim
    let nbf: NotBeforeClaim?
    let aud: AudienceClaim?
    let iss: IssuerClaim?
    let session_id: String?
    let role: String?

    /// Time and audience are checked by `CallerVerifier` with its injectable clock.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
