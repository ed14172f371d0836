/// A configuration uploaded with the run, for users without Git: relative paths to file texts.
/// Checked before anything is stored or written: relative paths of safe characters only (no `..`,
/// no absolute path, no hidden or override files that could replace the platform's backend), at
/// most 200 files and 4 MiB in all.
public struct RunSourceFiles: Sendable, Equatable {
    public static let maximumFiles = 200
    public static let maximumBytes = 4 << 20

    public let files: [String: String]

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case empty, tooMany, tooLarge
        case badPath(String)
        case nul(String)

        public var description: String {
            switch self {
            case .empty: "source.files must hold at least one .tf file"
            case .tooMany: "source.files may hold at most \(RunSourceFiles.maximumFiles) files"
            case .tooLarge: "source.files may hold at most 4 MiB in all"
            case .badPath(let path): "\(Self.quoted(path)) is not allowed as a file path: use relative paths of letters, digits, '.', '_', '-' and '/', without '..', hidden files or *_override.tf"
            case .nul(let path): "\(Self.quoted(path)) holds a NUL character"
            }
        }

        static func quoted(_ path: String) -> String {
            "'" + String(path.unicodeScalars.prefix(80).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" }) + "'"
        }
    }

    public init(_ files: [String: String]) throws(Problem) {
        guard !files.isEmpty, files.keys.contains(where: { $0.hasSuffix(".tf") || $0.hasSuffix(".tf.json") }) else { throw .empty }
        guard files.count <= Self.maximumFiles else { throw .tooMany }
        var total = 0
        for (path, text) in files {
            guard Self.isSafe(path) else { throw .badPath(path) }
            guard !path.utf8.contains(0), !text.utf8.contains(0) else { throw .nul(path) }
            total += path.utf8.count + text.utf8.count
            guard total <= Self.maximumBytes else { throw .tooLarge }
        }
        self.files = files
    }

    static func isSafe(_ path: String) -> Bool {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        guard path.utf8.count <= 256, components.count <= 8 else { return false }
        for component in components {
            guard let first = component.utf8.first, first != UInt8(ascii: "."), component != "..",
                  component.utf8.allSatisfy({ byte in
                      (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                          || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
                  }) else { return false }
        }
        let name = components.last ?? ""
        return !(name.hasSuffix("_override.tf") || name == "override.tf" || name.hasSuffix("_override.tf.json") || name == "override.tf.json")
    }
}
