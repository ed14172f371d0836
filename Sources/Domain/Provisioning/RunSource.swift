import FoundationEssentials

/// Where a run's configuration comes from, as stored with the run (never with a token): files
/// uploaded with it (as a file map or a tar archive, kept alike), or a Git repository cloned with
/// the requesting user's provider token.
public struct RunSource: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case files, archive, git }

    public let kind: Kind
    public let git: GitSource?

    public static let files = RunSource(kind: .files, git: nil)
    public static let archive = RunSource(kind: .archive, git: nil)

    public static func git(_ source: GitSource) -> RunSource { RunSource(kind: .git, git: source) }

    public init(kind: Kind, git: GitSource?) {
        self.kind = kind
        self.git = git
    }

    enum CodingKeys: String, CodingKey { case kind, provider, repository, ref, path }

    /// Stored flat: `{"kind": "git", "provider", "repository", "ref", "path"}`.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(Kind.self, forKey: .kind)
        git = kind == .git ? try GitSource(from: decoder) : nil
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try git?.encode(to: encoder)
    }
}
