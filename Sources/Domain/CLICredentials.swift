import Crypto
import FoundationEssentials

/// How CLI login secrets are kept: device codes and refresh tokens as SHA-256 (they carry 122+
/// random bits, so a hash is enough), the short verification code as an HMAC under a server key
/// and bound to its device code (28 bits would fall to an offline search of a plain hash).
public struct CLICredentials: Sendable {
    private let verificationKey: SymmetricKey

    /// `key`: at least 32 random bytes (`VERIFICATION_CODE_KEY`, hex).
    public init(verificationKey key: [UInt8]) throws {
        guard key.count >= 32 else { throw CLICredentialsError.weakKey }
        verificationKey = SymmetricKey(data: key)
    }

    public init(verificationKeyHex hex: String) throws {
        guard let bytes = Self.bytes(hex: hex) else { throw CLICredentialsError.weakKey }
        try self.init(verificationKey: bytes)
    }

    public static func hash(_ deviceCode: DeviceCode) -> [UInt8] { Array(SHA256.hash(data: Array(deviceCode.value.utf8))) }

    public static func hash(_ refreshToken: RefreshToken) -> [UInt8] { Array(SHA256.hash(data: Array(refreshToken.value.utf8))) }

    public func mac(_ code: VerificationCode, for deviceCode: DeviceCode) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Self.message(code, deviceCode), using: verificationKey))
    }

    /// Constant-time: how much of a guess is right never shows in the time the answer takes.
    public func matches(_ storedMAC: [UInt8], _ code: VerificationCode, for deviceCode: DeviceCode) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(storedMAC, authenticating: Self.message(code, deviceCode), using: verificationKey)
    }

    /// The approval page's anti-forgery token: an HMAC (domain-separated from verification codes)
    /// of the signed-in user, the device code and the CLI's key, so a form posted from another
    /// site, or for another user, login or key, is refused.
    public func approvalFormToken(user: UUID, deviceCode: DeviceCode, clientKey: CLIClientKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Self.formMessage(user, deviceCode, clientKey), using: verificationKey)
        return Array(mac).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    public func isValidApprovalFormToken(_ token: String, user: UUID, deviceCode: DeviceCode, clientKey: CLIClientKey) -> Bool {
        guard let mac = Self.bytes(hex: token), mac.count == 32 else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Self.formMessage(user, deviceCode, clientKey), using: verificationKey)
    }

    private static func formMessage(_ user: UUID, _ deviceCode: DeviceCode, _ clientKey: CLIClientKey) -> [UInt8] {
        Array("cli-login-form:\(user.uuidString.lowercased()):\(deviceCode.value):\(clientKey.base64URL)".utf8)
    }

    private static func message(_ code: VerificationCode, _ deviceCode: DeviceCode) -> [UInt8] {
        Array("\(deviceCode.value):\(code.value)".utf8)
    }

    /// Bytes of a hex string (a key from the environment), or nil.
    public static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = 0
        while index < digits.count {
            guard let value = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(value)
            index += 2
        }
        return bytes
    }
}

public enum CLICredentialsError: Error, CustomStringConvertible {
    case weakKey
    public var description: String { "VERIFICATION_CODE_KEY must be at least 32 bytes, hex-encoded" }
}
