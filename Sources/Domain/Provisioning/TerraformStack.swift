/// A workspace's Terraform stack: the name its state and lock are kept under. One definition,
/// the same as the database's CHECK: 1–64 of lowercase letters, digits, `.`, `_`, `-`, starting
/// with a letter or digit (it appears in URLs and paths, so nothing else).
public struct TerraformStack: Sendable, Equatable, CustomStringConvertible {
    public let name: String

    public init?(_ name: String) {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count), let first = bytes.first, Self.isAlphanumeric(first),
              bytes.allSatisfy({ Self.isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }) else { return nil }
        self.name = name
    }

    public static let `default` = TerraformStack("default")!

    public var description: String { name }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
