/// A CLI session's refresh token: 256 random bits, base64url, behind the prefix `zcp_rt_` so
/// secret scanners can recognise a leaked one. Stored only as its SHA-256; rotated on every use.
public struct RefreshToken: Sendable, Equatable, CustomStringConvertible {
    public static let prefix = "zcp_rt_"

    public let value: String

    public static func generate<G: RandomNumberGenerator>(using generator: inout G) -> RefreshToken {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for _ in 0..<4 {
            withUnsafeBytes(of: generator.next() as UInt64) { bytes.append(contentsOf: $0) }
        }
        return RefreshToken(value: prefix + Base64URL.encode(bytes))
    }

    public static func generate() -> RefreshToken {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    /// nil unless `text` has the prefix and 256 bits after it.
    public init?(presented text: String) {
        guard text.hasPrefix(Self.prefix), let bytes = Base64URL.decode(String(text.dropFirst(Self.prefix.count))), bytes.count == 32 else {
            return nil
        }
        value = text
    }

    init(value: String) { self.value = value }

    public var description: String { "RefreshToken(redacted)" }
}

/// Base64url without padding (RFC 4648 §5), for tokens and keys in URLs.
public enum Base64URL {
    private static let symbols = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
            let value = chunk.enumerated().reduce(0) { $0 | Int($1.element) << (16 - 8 * $1.offset) }
            for position in 0..<(chunk.count + 1) { output.append(symbols[(value >> (18 - 6 * position)) & 63]) }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        var lookup = [Int](repeating: -1, count: 128)
        for (index, symbol) in symbols.enumerated() { lookup[Int(symbol)] = index }
        var bytes: [UInt8] = []
        var buffer = 0, bits = 0
        for character in text.utf8 {
            guard character < 128, lookup[Int(character)] >= 0 else { return nil }
            buffer = buffer << 6 | lookup[Int(character)]
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8((buffer >> bits) & 0xff))
            }
        }
        return bytes
    }
}
