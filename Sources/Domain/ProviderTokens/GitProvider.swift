/// The Git providers whose OAuth tokens the platform keeps fresh for its users.
public enum GitProvider: String, CaseIterable, Sendable, Codable {
    case github, gitlab, bitbucket

    public var displayName: String {
        switch self {
        case .github: "GitHub"
        case .gitlab: "GitLab"
        case .bitbucket: "Bitbucket"
        }
    }
}
