import Foundation
import Runtime

/// `Tests/Support/git-providers/token-endpoints.py` on a free port: GitHub's, GitLab's and
/// Bitbucket's token endpoints as their documentation describes them, steered by the test.
final class TokenEndpoints: @unchecked Sendable {
    let server: LocalScriptServer
    var baseURL: String { server.baseURL }

    init() throws {
        server = try LocalScriptServer(script: "Tests/Support/git-providers/token-endpoints.py")
    }

    /// What a gateway needs to send its functions here, as the platform's registered OAuth client.
    var environment: [String: String] {
        [
            "GITHUB_URL": baseURL, "GITHUB_CLIENT_ID": "gh-client", "GITHUB_CLIENT_SECRET": "gh-secret",
            "GITLAB_URL": baseURL, "GITLAB_CLIENT_ID": "gl-client", "GITLAB_CLIENT_SECRET": "gl-secret",
            "BITBUCKET_URL": baseURL, "BITBUCKET_CLIENT_ID": "bb-client", "BITBUCKET_CLIENT_SECRET": "bb-secret",
        ]
    }

    /// A refresh token the provider will honour (once, where the provider rotates them).
    func issueRefreshToken(_ provider: String) throws -> String {
        let token = "\(provider)-refresh-\(UUID().uuidString.lowercased())"
        try control("refresh-tokens", ["provider": provider, "refresh_token": token])
        return token
    }

    /// `normal`, or `error` (answers `status` with an HTML page); `delay` seconds before either.
    func behave(_ provider: String, mode: String = "normal", delay: Double = 0, status: Int = 502) throws {
        try control("behaviour", ["provider": provider, "mode": mode, "delay": delay, "status": status])
    }

    /// Token requests each provider received so far.
    func calls(_ provider: String) throws -> Int {
        let response = try HTTPClient().send(.init(method: "GET", url: "\(baseURL)/_control/calls"))
        return ((try jsonObject(response.body)["calls"] as? [String: Any])?[provider] as? Int) ?? -1
    }

    /// Every access token the providers handed out.
    func issuedAccessTokens() throws -> [String] {
        let response = try HTTPClient().send(.init(method: "GET", url: "\(baseURL)/_control/calls"))
        return ((try jsonObject(response.body)["issued"] as? [String: [String]]) ?? [:]).values.flatMap { $0 }
    }

    private func control(_ action: String, _ body: [String: Any]) throws {
        let response = try HTTPClient().send(.init(method: "POST", url: "\(baseURL)/_control/\(action)", headers: [("Content-Type", "application/json")],
                                                   body: Array(try JSONSerialization.data(withJSONObject: body))))
        guard response.status == 200 else { throw CocoaError(.fileWriteUnknown) }
    }
}
