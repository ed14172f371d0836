import FoundationEssentials
import JWTKit

/// The claims of a platform access token: who (`sub`), which CLI session (`session_id`), for
/// whom (`aud`), until when. `role` makes it usable as RLS claims like a GoTrue session's.
public struct PlatformAccessClaims: JWTPayload, Equatable {
    public let iss: IssuerClaim
    public let sub: SubjectClaim
    public let aud: AudienceClaim
    public let exp: ExpirationClaim
    public let iat: IssuedAtClaim
    public let session_id: String
    public let role: String

    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}

extension PlatformSigningKeys {
    /// A short-lived RS256 access token for a CLI session.
    public func accessToken(user: UUID, session: UUID, audience: String, lifetime: Duration, now: Date = Date()) async throws -> String {
        try await sign(PlatformAccessClaims(
            iss: IssuerClaim(value: issuer), sub: SubjectClaim(value: user.uuidString.lowercased()), aud: AudienceClaim(value: [audience]),
            exp: ExpirationClaim(value: now.addingTimeInterval(Double(lifetime.components.seconds))), iat: IssuedAtClaim(value: now),
            session_id: session.uuidString.lowercased(), role: "authenticated"))
    }

    /// The JWKS as JSON, for verifiers configured in-process (user-facing functions).
    public func jwksJSON() throws -> String {
        String(decoding: try JSONEncoder().encode(jwks()), as: UTF8.self)
    }
}
