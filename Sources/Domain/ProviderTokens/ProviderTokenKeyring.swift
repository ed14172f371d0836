import Crypto
import FoundationEssentials

/// The keys that encrypt Git provider tokens at rest: AES-256-GCM, versioned. The newest version
/// seals; every listed version opens, so a rotation re-encrypts rows lazily as they are read.
/// The owner, provider and kind of token are the associated data: a ciphertext copied into
/// another user's row, another provider's or the other column no longer opens.
public struct ProviderTokenKeyring: Sendable {
    public enum Kind: String, Sendable { case access, refresh }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case invalidConfiguration(String)
        case unknownKeyVersion(Int)
        /// The authentication tag did not match: tampered with, or moved from another row.
        case unreadable

        public var description: String {
            switch self {
            case .invalidConfiguration(let reason): "PROVIDER_TOKEN_KEYS: \(reason)"
            case .unknownKeyVersion(let version): "no provider token key of version \(version) is configured"
            case .unreadable: "the stored token does not decrypt for this owner and provider"
            }
        }
    }

    private let keys: [Int: SymmetricKey]
    public let currentVersion: Int

    public init(keys: [Int: SymmetricKey]) throws(Failure) {
        guard let newest = keys.keys.max() else { throw .invalidConfiguration("no key") }
        guard keys.keys.allSatisfy({ $0 > 0 }) else { throw .invalidConfiguration("versions are positive integers") }
        guard keys.values.allSatisfy({ $0.bitCount == 256 }) else { throw .invalidConfiguration("every key is 32 bytes (64 hex digits)") }
        self.keys = keys
        currentVersion = newest
    }

    /// `"2:<64 hex digits>,1:<64 hex digits>"`: version, colon, key; the highest version seals.
    public init(configuration: String) throws(Failure) {
        var keys: [Int: SymmetricKey] = [:]
        for entry in configuration.split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1).map { String($0.filter { !$0.isWhitespace }) }
            guard parts.count == 2, let version = Int(parts[0]), let bytes = CLICredentials.bytes(hex: parts[1]) else {
                throw .invalidConfiguration("expected version:hexkey entries separated by commas")
            }
            guard keys[version] == nil else { throw .invalidConfiguration("version \(version) is listed twice") }
            keys[version] = SymmetricKey(data: bytes)
        }
        try self.init(keys: keys)
    }

    public func seal(_ token: String, owner: UUID, provider: GitProvider, kind: Kind) -> [UInt8] {
        let key = keys[currentVersion]!
        // AES.GCM.seal only throws for a key of the wrong size, which init rules out.
        let box = try! AES.GCM.seal(Array(token.utf8), using: key, authenticating: Self.context(owner, provider, kind))
        return Array(box.combined!)
    }

    public func open(_ ciphertext: [UInt8], version: Int, owner: UUID, provider: GitProvider, kind: Kind) throws(Failure) -> String {
        guard let key = keys[version] else { throw .unknownKeyVersion(version) }
        do {
            let box = try AES.GCM.SealedBox(combined: ciphertext)
            let plaintext = try AES.GCM.open(box, using: key, authenticating: Self.context(owner, provider, kind))
            return String(decoding: plaintext, as: UTF8.self)
        } catch {
            throw .unreadable
        }
    }

    /// Any bytes under the newest key, bound to `context` (the associated data): what other
    /// sealed records (Terraform states) use, with a context of their own.
    public func seal(bytes: [UInt8], context: [UInt8]) -> [UInt8] {
        Array((try! AES.GCM.seal(bytes, using: keys[currentVersion]!, authenticating: context)).combined!)
    }

    public func open(bytes ciphertext: [UInt8], version: Int, context: [UInt8]) throws(Failure) -> [UInt8] {
        guard let key = keys[version] else { throw .unknownKeyVersion(version) }
        do {
            return Array(try AES.GCM.open(try AES.GCM.SealedBox(combined: ciphertext), using: key, authenticating: context))
        } catch {
            throw .unreadable
        }
    }

    static func context(_ owner: UUID, _ provider: GitProvider, _ kind: Kind) -> [UInt8] {
        Array("zcp-provider-token:v1:\(owner.uuidString.lowercased()):\(provider.rawValue):\(kind.rawValue)".utf8)
    }
}
