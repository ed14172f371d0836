import Domain
import FoundationEssentials
import Runtime

/// The providers' token endpoints, as each documents its refresh grant:
///
/// - GitHub: `POST {GITHUB_URL}/login/oauth/access_token` with the client id and secret in the
///   form; errors such as `bad_refresh_token` come with HTTP 200.
/// - GitLab: `POST {GITLAB_URL}/oauth/token`, likewise (and `redirect_uri` when configured);
///   2-hour tokens, a new refresh token every time, `invalid_grant` with HTTP 400.
/// - Bitbucket: `POST {BITBUCKET_URL}/site/oauth2/access_token` with the client credentials as
///   HTTP Basic authentication.
public struct GitProviderClient: Sendable {
    public struct Registration: Sendable {
        public var baseURL: String
        public var clientID: String?
        public var clientSecret: String?
        public var redirectURI: String?
    }

    let registrations: [GitProvider: Registration]
    let timeoutMilliseconds: Int
    let connections = HTTPClientPool(maximumIdle: 4)

    public init(environment: Environment) {
        var registrations: [GitProvider: Registration] = [:]
        let defaults: [GitProvider: String] = [.github: "https://github.com", .gitlab: "https://gitlab.com", .bitbucket: "https://bitbucket.org"]
        for provider in GitProvider.allCases {
            let prefix = provider.rawValue.uppercased()
            var base = environment["\(prefix)_URL"] ?? defaults[provider]!
            if base.hasSuffix("/") { base.removeLast() }
            registrations[provider] = Registration(
                baseURL: base, clientID: environment["\(prefix)_CLIENT_ID"], clientSecret: environment["\(prefix)_CLIENT_SECRET"],
                redirectURI: environment["\(prefix)_REDIRECT_URI"])
        }
        self.registrations = registrations
        timeoutMilliseconds = Int((Double(environment["PROVIDER_TOKEN_TIMEOUT_SECONDS"] ?? "") ?? 10) * 1000)
    }

    /// The provider's web base (`GITHUB_URL`, …): where its repositories are cloned from too.
    public func baseURL(of provider: GitProvider) -> String {
        registrations[provider]!.baseURL
    }

    /// One refresh grant; never throws: what went wrong is in the answer.
    public func refresh(_ refreshToken: String, at provider: GitProvider) async -> TokenRefreshAnswer {
        let registration = registrations[provider]!
        let prefix = provider.rawValue.uppercased()
        guard let clientID = registration.clientID, let clientSecret = registration.clientSecret else {
            return .notConfigured("the platform has no \(provider.displayName) OAuth client (\(prefix)_CLIENT_ID and \(prefix)_CLIENT_SECRET are not set)")
        }
        var form = [("grant_type", "refresh_token"), ("refresh_token", refreshToken)]
        var headers: [(name: String, value: String)] = [("Accept", "application/json"), ("Content-Type", "application/x-www-form-urlencoded")]
        let path: String
        switch provider {
        case .github:
            path = "/login/oauth/access_token"
            form += [("client_id", clientID), ("client_secret", clientSecret)]
        case .gitlab:
            path = "/oauth/token"
            form += [("client_id", clientID), ("client_secret", clientSecret)]
            if let redirect = registration.redirectURI { form.append(("redirect_uri", redirect)) }
        case .bitbucket:
            path = "/site/oauth2/access_token"
            headers.append(("Authorization", "Basic " + Data("\(clientID):\(clientSecret)".utf8).base64EncodedString()))
        }
        let request = HTTPClient.Request(method: "POST", url: registration.baseURL + path, headers: headers, body: Array(formURLEncoded(form).utf8),
                                         timeoutMilliseconds: timeoutMilliseconds)
        switch await connections.send(request) {
        case .success(let response):
            return TokenRefreshAnswer.read(status: response.status, body: response.body, from: provider)
        case .failure(let error):
            return .unavailable("\(provider.displayName) could not be reached: \(error.message)")
        }
    }
}
