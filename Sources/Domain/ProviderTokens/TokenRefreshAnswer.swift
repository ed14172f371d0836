import FoundationEssentials

/// New tokens from a provider's token endpoint.
public struct TokenGrant: Sendable, Equatable {
    public var accessToken: String
    /// Absent when the provider keeps the old one (save a new one whenever it comes back).
    public var refreshToken: String?
    public var expiresIn: Int?
    public var refreshTokenExpiresIn: Int?
    /// Absent when the answer does not say; then the stored scopes stay.
    public var scopes: [String]?

    public init(accessToken: String, refreshToken: String? = nil, expiresIn: Int? = nil, refreshTokenExpiresIn: Int? = nil, scopes: [String]? = nil) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresIn = expiresIn
        self.refreshTokenExpiresIn = refreshTokenExpiresIn
        self.scopes = scopes
    }

    /// A provider's scope list: GitHub separates scopes with commas, GitLab and Bitbucket with spaces.
    public static func scopes(_ list: String) -> [String] {
        list.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
    }
}

/// What a refresh came to, read from the provider's answer.
public enum TokenRefreshAnswer: Sendable, Equatable {
    case granted(TokenGrant)
    /// The refresh token is dead (expired, revoked, already used): only signing in again helps.
    case refreshTokenRejected(String)
    /// Nothing learned about the token (network, 5xx, throttling, the platform's own client
    /// credentials refused): keep it and try again later.
    case unavailable(String)
    /// The platform has no OAuth client for the provider: retrying cannot help, only a sign-in
    /// (which brings a fresh token) or the operator configuring the client.
    case notConfigured(String)

    /// The error codes that mean the refresh token itself is dead: GitHub's `bad_refresh_token`
    /// (sent with HTTP 200), and OAuth's `invalid_grant` (GitLab, Bitbucket: HTTP 400).
    static let deadRefreshToken: Set<String> = ["bad_refresh_token", "invalid_grant"]

    public static func read(status: Int, body: [UInt8], from provider: GitProvider) -> TokenRefreshAnswer {
        let answer = try? JSONDecoder().decode(Body.self, from: Data(body))
        if let error = answer?.error {
            let reason = "\(provider.displayName): \(error)" + (answer?.error_description.map { " (\($0))" } ?? "")
            return deadRefreshToken.contains(error) && status < 500 ? .refreshTokenRejected(reason) : .unavailable(reason)
        }
        guard (200..<300).contains(status) else { return .unavailable("\(provider.displayName) answered HTTP \(status)") }
        guard let answer, let accessToken = answer.access_token, !accessToken.isEmpty else {
            return .unavailable("\(provider.displayName) answered without an access token")
        }
        let scopes = (answer.scope ?? answer.scopes).map(TokenGrant.scopes)
        return .granted(TokenGrant(
            accessToken: accessToken, refreshToken: answer.refresh_token.flatMap { $0.isEmpty ? nil : $0 },
            expiresIn: answer.expires_in, refreshTokenExpiresIn: answer.refresh_token_expires_in, scopes: scopes))
    }

    private struct Body: Decodable {
        let access_token: String?
        let refresh_token: String?
        let expires_in: Int?
        let refresh_token_expires_in: Int?
        let scope: String?
        let scopes: String?
        let error: String?
        let error_description: String?
    }
}
