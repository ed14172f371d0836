import Domain
import FoundationEssentials
import JWTKit

/// The claims of a federation token: the platform's own short OIDC token that a customer's GCP
/// (STS token exchange) or Entra ID (client assertion) checks against the platform's published
/// keys. `iss` is `PLATFORM_URL` byte for byte, `sub` the identity's `FederationSubject`, one `aud`
/// per target; integer times, at most ten minutes (it is exchanged at once); and context claims a
/// customer can write conditions on.
public struct FederationClaims: JWTPayload, Equatable {
    public let iss: String
    public let sub: String
    public let aud: String
    public let iat: Int
    public let nbf: Int
    public let exp: Int
    public let jti: String
    public let workspace_id: String
    public let identity_id: String
    /// What the credentials will be used for: `connect`, `credentials`, `scan`, `runner`.
    public let purpose: String

    public func verify(using algorithm: some JWTAlgorithm) async throws {}

    public static let maximumLifetimeSeconds = 600
}

extension PlatformSigningKeys {
    /// A federation token for `subject`, for `audience`, signed RS256 with the current key (its `kid`).
    public func federationToken(subject: FederationSubject, audience: String, purpose: String,
                                lifetimeSeconds: Int = FederationClaims.maximumLifetimeSeconds, now: Date = Date()) async throws -> String {
        let issuedAt = Int(now.timeIntervalSince1970)
        let lifetime = min(max(lifetimeSeconds, 60), FederationClaims.maximumLifetimeSeconds)
        return try await sign(FederationClaims(
            iss: issuer, sub: subject.value, aud: audience, iat: issuedAt, nbf: issuedAt, exp: issuedAt + lifetime,
            jti: UUID().uuidString.lowercased(), workspace_id: subject.workspace.uuidString.lowercased(),
            identity_id: subject.identity.uuidString.lowercased(), purpose: purpose))
    }
}
