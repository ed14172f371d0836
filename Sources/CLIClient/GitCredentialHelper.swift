/// git's credential-helper protocol (`git help credential`): git writes `key=value` lines (and a
/// blank line) to stdin; for `get` the helper answers `username=` and `password=`. The password
/// is the user's Git provider token, fresh from the platform, so no token sits in a file.
public enum GitCredentialHelper {
    public static func attributes(_ input: String) -> [String: String] {
        var attributes: [String: String] = [:]
        for line in input.split(separator: "\n", omittingEmptySubsequences: true) {
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2 { attributes[String(parts[0])] = String(parts[1]).trimmingSuffix("\r") }
        }
        return attributes
    }

    /// The provider for a host: the hosted ones by name; anything else needs `--provider`.
    public static func provider(host: String?) -> String? {
        switch host?.lowercased().split(separator: ":").first {
        case "github.com": "github"
        case "gitlab.com": "gitlab"
        case "bitbucket.org": "bitbucket"
        default: nil
        }
    }

    /// The user name each provider expects beside an OAuth token.
    public static func username(provider: String) -> String {
        switch provider {
        case "gitlab": "oauth2"
        case "bitbucket": "x-token-auth"
        default: "x-access-token"
        }
    }

    public static func answer(provider: String, token: String) -> String {
        "username=\(username(provider: provider))\npassword=\(token)\n"
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
