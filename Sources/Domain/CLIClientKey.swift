import Crypto

/// Binds a CLI login to the CLI that started it. The CLI makes a fresh P-256 key pair for each
/// login and puts the public key in the approval URL beside the device code; the approval stores
/// it, and the exchange must carry an ECDSA signature, by the private key, over the device code
/// and the verification code. Someone who sees both the URL and the code (over a shoulder, in a
/// screen share, from a shell history) still cannot redeem them: the private key never left the
/// CLI's memory.
public struct CLIClientKey: Sendable, Equatable, CustomStringConvertible {
    /// The public key as ANSI X9.63 (65 bytes, uncompressed), as stored.
    public let x963: [UInt8]

    /// nil unless `text` is a base64url P-256 public key in X9.63 form (the CLI's `public_key`).
    public init?(base64URL text: String) {
        guard text.utf8.count <= 100, let bytes = Base64URL.decode(text), bytes.count == 65,
              (try? P256.Signing.PublicKey(x963Representation: bytes)) != nil else { return nil }
        x963 = bytes
    }

    public init?(x963 bytes: [UInt8]) {
        guard bytes.count == 65, (try? P256.Signing.PublicKey(x963Representation: bytes)) != nil else { return nil }
        x963 = bytes
    }

    public var base64URL: String { Base64URL.encode(x963) }

    /// What the CLI signs; a fixed prefix keeps the signature from meaning anything elsewhere.
    public static func proofMessage(deviceCode: DeviceCode, code: VerificationCode) -> [UInt8] {
        Array("zcp-cli-login-proof:\(deviceCode.value):\(code.value)".utf8)
    }

    /// The CLI's side: the proof (base64url of the 64-byte raw r‖s signature).
    public static func proof(signing key: P256.Signing.PrivateKey, deviceCode: DeviceCode, code: VerificationCode) throws -> String {
        Base64URL.encode(Array(try key.signature(for: proofMessage(deviceCode: deviceCode, code: code)).rawRepresentation))
    }

    /// The platform's side.
    public func isValidProof(_ proof: String, deviceCode: DeviceCode, code: VerificationCode) -> Bool {
        guard proof.utf8.count <= 100, let raw = Base64URL.decode(proof), raw.count == 64,
              let signature = try? P256.Signing.ECDSASignature(rawRepresentation: raw),
              let key = try? P256.Signing.PublicKey(x963Representation: x963) else { return false }
        return key.isValidSignature(signature, for: Self.proofMessage(deviceCode: deviceCode, code: code))
    }

    public var description: String { "CLIClientKey(\(base64URL.prefix(12))…)" }
}
