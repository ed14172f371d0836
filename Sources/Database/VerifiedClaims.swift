import FoundationEssentials

/// The claims of a caller whose token was verified. Only `CallerVerifier` makes these, so a user
/// session can only ever carry claims that passed signature, expiry, audience and issuer checks.
public struct VerifiedClaims: Sendable, Equatable {
    /// `sub`: the user (auth.users.id).
    public let userID: UUID
    /// The whole claims object, as `request.jwt.claims` for row-level security.
    public let json: String
    /// `session_id`, when the token names its session (GoTrue and platform tokens do).
    public let sessionID: String?
    public let expiresAt: Date
    /// The platform CLI session behind a platform access token (nil for GoTrue's sessions): user
    /// sessions check that it is still live before each request's statements.
    public let cliSessionID: UUID?

    init(userID: UUID, json: String, sessionID: String?, expiresAt: Date, cliSessionID: UUID? = nil) {
        self.userID = userID
        self.json = json
        self.sessionID = sessionID
        self.expiresAt = expiresAt
        self.cliSessionID = cliSessionID
    }
}
