import FoundationEssentials

/// Where a run's configuration comes from, as stored with the run (never with a token): files
/// uploaded with it, or a Git repository cloned with the requesting user's provider token.
public struct RunSource: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable { case files, git }

    public let kind: Kind
    public let provider: String?
    public let repository: String?
    public let ref: String?
    public let path: String?

    public static let files = RunSource(kind: .files, provider: nil, repository: nil, ref: nil, path: nil)

    public init(kind: Kind, provider: String?, repository: String?, ref: String?, path: String?) {
        self.kind = kind
        self.provider = provider
        self.repository = repository
        self.ref = ref
        self.path = path
    }
}
