import Crypto
import FoundationEssentials

/// The secret a workspace's AWS role trusts us with (`sts:ExternalId`), defeating the confused
/// deputy: only the platform, which derives it, can present it.
///
/// It is never stored. It is derived when needed — HMAC-SHA-256 under a server key
/// (`EXTERNAL_ID_KEY`) of the workspace id and a version — and the database keeps only its
/// SHA-256, to recognise it. A database dump therefore yields nothing usable, and no counter or
/// random value has to be kept in sync. Rotating the key (or the version) gives every workspace a
/// new external ID, which customers must then update in their role's trust policy.
public struct ExternalID: Sendable, Equatable, CustomStringConvertible {
    public static let prefix = "zcp-"
    public let value: String

    /// What a role with this external ID is for. Each purpose has its own ID, so a scan role's
    /// trust can never be reused to provision (and the other way round).
    public enum Purpose: String, Sendable, CaseIterable {
        case scan
        case provision
    }

    public static func derive(organization: UUID, key: [UInt8], version: Int = 1, purpose: Purpose = .scan) -> ExternalID {
        // The scan purpose keeps the original message, so roles deployed before purposes existed still match.
        let scope = purpose == .scan ? "" : "\(purpose.rawValue):"
        let message = Array("external-id:v\(version):\(scope)\(organization.uuidString.lowercased())".utf8)
        let mac = Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
        // 160 bits in lowercase base32: long enough to be unguessable, within IAM's 2–1224
        // characters of [\w+=,.@:/-], and easy to paste.
        return ExternalID(value: prefix + Base32.encode(Array(mac.prefix(20))))
    }

    /// A random external ID of the same form that no workspace has: what a role must refuse.
    public static func probe() -> ExternalID {
        var generator = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        for _ in 0..<3 { withUnsafeBytes(of: generator.next() as UInt64) { bytes.append(contentsOf: $0) } }
        return ExternalID(value: prefix + Base32.encode(Array(bytes.prefix(20))))
    }

    init(value: String) { self.value = value }

    /// The server key from its hex form (`EXTERNAL_ID_KEY`): at least 32 bytes.
    public static func key(hex: String) throws -> [UInt8] {
        guard let key = CLICredentials.bytes(hex: hex), key.count >= 32 else { throw ExternalIDKeyError() }
        return key
    }

    /// What the database keeps.
    public var hash: [UInt8] { Array(SHA256.hash(data: Array(value.utf8))) }

    public var description: String { "ExternalID(redacted)" }
}

enum Base32 {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var buffer = 0, bits = 0
        for byte in bytes {
            buffer = buffer << 8 | Int(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                output.append(alphabet[(buffer >> bits) & 31])
            }
        }
        if bits > 0 { output.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return String(decoding: output, as: UTF8.self)
    }
}

public struct ExternalIDKeyError: Error, CustomStringConvertible {
    public var description: String { "EXTERNAL_ID_KEY must be at least 32 bytes, hex-encoded" }
}
