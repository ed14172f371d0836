/// A run's configuration in a Git repository of one of the providers whose tokens the platform
/// keeps: `owner/name` (GitLab: `group/subgroup/name`), a branch or tag (the default branch when
/// absent) and the folder in it that holds the configuration. One definition of each part's
/// validity, checked before anything is stored or handed to `git`: nothing can start with `-`
/// (an option to git), climb out with `..`, or hold anything but plain name characters.
public struct GitSource: Sendable, Equatable, Codable {
    public let provider: GitProvider
    public let repository: String
    public let ref: String?
    public let path: String?

    public init?(provider: GitProvider, repository: String, ref: String?, path: String?) {
        let segments = repository.split(separator: "/", omittingEmptySubsequences: false)
        guard (2...5).contains(segments.count), repository.utf8.count <= 200, segments.allSatisfy(Self.isName) else { return nil }
        if let ref {
            let parts = ref.split(separator: "/", omittingEmptySubsequences: false)
            guard ref.utf8.count <= 200, parts.allSatisfy(Self.isName), !ref.hasSuffix(".lock") else { return nil }
        }
        if let path, !path.isEmpty {
            guard path.utf8.count <= 256, path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy(Self.isName) else { return nil }
        }
        self.provider = provider
        self.repository = repository
        self.ref = ref
        self.path = path.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Letters, digits, `.`, `_`, `-`; not starting with `.` or `-`.
    static func isName(_ part: Substring) -> Bool {
        guard let first = part.utf8.first, first != UInt8(ascii: "."), first != UInt8(ascii: "-") else { return false }
        return part.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    /// The user name a provider expects beside an OAuth token in HTTP basic auth.
    public var basicAuthUser: String {
        switch provider {
        case .github: "x-access-token"
        case .gitlab: "oauth2"
        case .bitbucket: "x-token-auth"
        }
    }
}
