import Crypto
@preconcurrency import _CryptoExtras
import FoundationEssentials
import Runtime

/// The key pair that keeps Git provider tokens arriving with a sign-in sealed from the moment
/// they reach the database. The sign-in trigger runs inside Postgres, which must never hold a key
/// that opens anything: it holds only this key's public half and seals with pgcrypto's
/// `pgp_pub_encrypt` (OpenPGP, RSA + AES-256, integrity-protected). The platform holds the private
/// half (`PROVIDER_TOKEN_IMPORT_KEY`, an RSA key in PEM), opens an import here and re-seals it
/// into `provider_tokens` under the AES-GCM keyring as before.
public struct SignInTokenKey: @unchecked Sendable {  // an immutable BoringSSL key
    let privateKey: _RSA.Encryption.PrivateKey

    public init(pem: String) throws {
        privateKey = try _RSA.Encryption.PrivateKey(pemRepresentation: pem)
    }

    /// `PROVIDER_TOKEN_IMPORT_KEY`, or nil when it is not set.
    public init?(environment: Environment) throws {
        guard let pem = environment["PROVIDER_TOKEN_IMPORT_KEY"], !pem.isEmpty else { return nil }
        try self.init(pem: pem)
    }

    /// The public half as pgcrypto reads an OpenPGP public key: a primary key packet and an
    /// encryption subkey packet (pgcrypto encrypts to subkeys only), the same RSA key in both,
    /// creation time 0 so that publishing it again writes the same bytes.
    public func openPGPPublicKey() throws -> [UInt8] {
        let primitives = try privateKey.publicKey.getKeyPrimitives()
        let body: [UInt8] = [4, 0, 0, 0, 0, 1] + OpenPGPPackets.mpi(encoding: Array(primitives.modulus))
            + OpenPGPPackets.mpi(encoding: Array(primitives.publicExponent))
        return OpenPGPPackets.packet(tag: 6, body) + OpenPGPPackets.packet(tag: 14, body)
    }

    public struct Unsealable: Error, CustomStringConvertible {
        public let description: String
    }

    /// The plaintext of a message `pgp_pub_encrypt` wrote to this key (no compression).
    public func open(_ message: [UInt8]) throws(Unsealable) -> [UInt8] {
        do {
            let packets = try OpenPGPPackets.all(message)
            guard let encryptedKey = packets.first(where: { $0.tag == 1 })?.body, let data = packets.first(where: { $0.tag == 18 })?.body else {
                throw Unsealable(description: "not a public-key encrypted, integrity-protected OpenPGP message")
            }
            let sessionKey = try self.sessionKey(encryptedKey)
            return try Self.decrypt(data, with: sessionKey)
        } catch let error as Unsealable {
            throw error
        } catch {
            throw Unsealable(description: "\(error)")
        }
    }

    /// RFC 4880 §5.1: version 3, key id, RSA, then m^e as an MPI, PKCS#1 v1.5 padded (as OpenPGP
    /// requires); inside, the cipher, the key and a two-octet checksum of the key.
    private func sessionKey(_ packet: [UInt8]) throws -> SymmetricKey {
        guard packet.count > 10, packet[0] == 3, packet[9] == 1 || packet[9] == 2 else {
            throw Unsealable(description: "the session key is not RSA-encrypted (version 3)")
        }
        let encrypted = try OpenPGPPackets.mpi(packet[10...])
        let width = privateKey.keySizeInBits / 8
        guard encrypted.count <= width else { throw Unsealable(description: "the session key is longer than the RSA key") }
        let padded = [UInt8](repeating: 0, count: width - encrypted.count) + encrypted
        let plain = Array(try privateKey.decrypt(padded, padding: ._WEAK_AND_INSECURE_PKCS_V1_5))
        let lengths: [UInt8: Int] = [7: 16, 8: 24, 9: 32]  // AES-128, -192, -256
        guard let cipher = plain.first, let length = lengths[cipher], plain.count == 1 + length + 2 else {
            throw Unsealable(description: "the session key is not for AES")
        }
        let key = plain[1...length]
        let checksum = key.reduce(0) { ($0 + Int($1)) & 0xFFFF }
        guard checksum == Int(plain[length + 1]) << 8 | Int(plain[length + 2]) else { throw Unsealable(description: "the session key's checksum is wrong") }
        return SymmetricKey(data: Array(key))
    }

    /// RFC 4880 §5.13: version 1, then CFB with a zero IV over a random block, its last two bytes
    /// again, the message's packets and a modification-detection packet (SHA-1 of all before it).
    private static func decrypt(_ packet: [UInt8], with key: SymmetricKey) throws -> [UInt8] {
        guard packet.first == 1 else { throw Unsealable(description: "the encrypted data is not integrity-protected (version 1)") }
        let plain = Array(try AES._CFB.decrypt(packet.dropFirst(), using: key, iv: AES._CFB.IV(ivBytes: [UInt8](repeating: 0, count: 16))))
        guard plain.count >= 18 + 22, plain[16] == plain[14], plain[17] == plain[15] else {
            throw Unsealable(description: "the message does not open with this key")
        }
        let detection = plain.count - 22
        guard plain[detection] == 0xD3, plain[detection + 1] == 0x14,
              Array(Insecure.SHA1.hash(data: plain[..<(detection + 2)])) == Array(plain[(detection + 2)...]) else {
            throw Unsealable(description: "the message was altered (modification detection failed)")
        }
        guard let literal = try OpenPGPPackets.all(Array(plain[18..<detection])).first(where: { $0.tag == 11 })?.body,
              literal.count >= 6, literal.count >= 6 + Int(literal[1]) else {
            throw Unsealable(description: "the message holds no literal data (compressed messages are not expected)")
        }
        return Array(literal[(6 + Int(literal[1]))...])
    }
}
