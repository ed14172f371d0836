import FoundationEssentials
import Runtime

/// The token endpoints' success answer (RFC 6749 §5.1), never cached.
public struct TokenResponse: Encodable, Sendable {
    public let access_token: String
    public let token_type: String
    public let expires_in: Int
    public let refresh_token: String

    /// A fresh access token for the session, with the refresh token that replaces the last one.
    public static func make(keys: PlatformSigningKeys, user: UUID, session: UUID, refreshToken: String,
                            audience: String, lifetime: Duration) async throws -> APIGatewayV2Response {
        let token = try await keys.accessToken(user: user, session: session, audience: audience, lifetime: lifetime)
        return try .json(
            TokenResponse(access_token: token, token_type: "Bearer", expires_in: Int(lifetime.components.seconds), refresh_token: refreshToken),
            headers: ["cache-control": "no-store", "pragma": "no-cache"])
    }
}
