/// The one definition of an email address the platform accepts as input: `local@domain`, at most
/// 254 bytes, no spaces or control characters, one `@`, a domain with a dot. Compared
/// case-insensitively (`normalized`), as sign-in providers do.
public struct EmailAddress: Sendable, Equatable {
    public let value: String

    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard (3...254).contains(bytes.count), bytes.allSatisfy({ $0 > 0x20 && $0 != 0x7F }),
              bytes.filter({ $0 == UInt8(ascii: "@") }).count == 1 else { return nil }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64,
              parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix(".") else { return nil }
        value = text
    }

    public var normalized: String { value.lowercased() }
}
