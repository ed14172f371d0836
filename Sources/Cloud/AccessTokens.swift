import FoundationEssentials
import JWTKit

/// The claims of a platform access token, as RFC 9068 (JWT access tokens) lays them out: who
/// (`sub`), for which resource (`aud`), through which client (`client_id`), which CLI session
/// (`session_id`), when, and a unique `jti`. Times are whole seconds since the epoch (RFC 7519's
/// NumericDate): strict verifiers refuse fractional ones. `role` makes the claims usable as RLS
/// claims like a GoTrue session's.
public struct PlatformAccessClaims: JWTPayload, Equatable {
    public let iss: String
    public let sub: String
    public let aud: [String]
    public let client_id: String
    public let exp: Int
    public let iat: Int
    public let nbf: Int
    public let jti: String
    public let session_id: String
    public let role: String

    public func verify(using algorithm: some JWTAlgorithm) async throws {}

    /// The CLI is the one OAuth client platform access tokens are issued to.
    public static let clientID = "zcp-cli"
}

extension PlatformSigningKeys {
    /// A short-lived RS256 access token for a CLI session (header `typ: at+jwt`).
    public func accessToken(user: UUID, session: UUID, audience: String, lifetime: Duration, now: Date = Date()) async throws -> String {
        let issuedAt = Int(now.timeIntervalSince1970)
        return try await sign(PlatformAccessClaims(
            iss: issuer, sub: user.uuidString.lowercased(), aud: [audience], client_id: PlatformAccessClaims.clientID,
            exp: issuedAt + Int(lifetime.components.seconds), iat: issuedAt, nbf: issuedAt, jti: UUID().uuidString.lowercased(),
            session_id: session.uuidString.lowercased(), role: "authenticated"), type: "at+jwt")
    }

    /// The JWKS as JSON, for verifiers configured in-process (user-facing functions).
    public func jwksJSON() throws -> String {
        String(decoding: try JSONEncoder().encode(jwks()), as: UTF8.self)
    }
}
