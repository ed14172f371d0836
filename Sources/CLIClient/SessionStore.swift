import Crypto
import Foundation

/// A profile's login, kept in the system keyring when one answers, else sealed in `auth.json`
/// (AES-GCM, the profile's name as associated data) under a random key in `auth.key`. Both
/// files are 0600 in a 0700 folder and replaced atomically. What the file's sealing protects: a
/// copy of `auth.json` alone (a backup, a synced dotfile folder, a support bundle). What it does
/// not: anything running as the user, which can read `auth.key` too.
public final class SessionStore: @unchecked Sendable {
    public let profile: String
    public let directory: ConfigDirectory
    private let keyring: (any Keyring)?
    private let lock: ProfileLock
    /// Said once to the user when a login could not use the keyring.
    private let notice: (String) -> Void

    struct AuthFile: Codable {
        var version = 1
        var profiles: [String: Entry] = [:]
    }

    struct Entry: Codable {
        /// `keyring` or `file`.
        var storage: String
        var sealed: String?
    }

    public init(profile: String, directory: ConfigDirectory, keyring: (any Keyring)?, notice: @escaping (String) -> Void) {
        self.profile = profile
        self.directory = directory
        self.keyring = keyring
        self.notice = notice
        lock = ProfileLock(path: directory.lockFile)
    }

    /// Every change (and every decision to change) happens inside: see `ProfileLock`.
    public func withLock<T>(_ body: () throws -> T) throws -> T {
        try directory.prepare()
        return try lock.withLock(body)
    }

    public func load() throws(CLIError) -> StoredSession? {
        guard let entry = try authFile().profiles[profile] else { return nil }
        let plaintext: [UInt8]
        switch entry.storage {
        case "keyring":
            guard let keyring else {
                throw .authenticationRequired("profile \(profile) is stored in the system keyring, which does not answer here (no session bus?): run `zcp login` to store it in the encrypted file")
            }
            guard let secret = try keyring.read(profile: profile) else { return nil }
            plaintext = secret
        default:
            guard let sealed = entry.sealed.flatMap({ Data(base64Encoded: $0) }) else { return nil }
            guard let key = try existingKey() else {
                throw .authenticationRequired("\(directory.keyFile) is missing, so the stored login cannot be opened: run `zcp login`")
            }
            guard let box = try? AES.GCM.SealedBox(combined: sealed),
                  let opened = try? AES.GCM.open(box, using: key, authenticating: Array(profile.utf8)) else {
                throw .authenticationRequired("the stored login of profile \(profile) cannot be opened (another auth.key?): run `zcp login`")
            }
            plaintext = Array(opened)
        }
        do {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .secondsSince1970
            return try decoder.decode(StoredSession.self, from: Data(plaintext))
        } catch {
            throw .authenticationRequired("the stored login of profile \(profile) is damaged: run `zcp login`")
        }
    }

    /// Keeps the session where the profile already is; a new profile goes to the keyring if one
    /// answers, else (said once) to the encrypted file.
    public func save(_ session: StoredSession) throws {
        try withLock {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .secondsSince1970
            let plaintext = Array(try encoder.encode(session))
            var file = try authFile()
            let existing = file.profiles[profile]
            if let keyring, existing == nil || existing?.storage == "keyring" {
                do {
                    try keyring.write(plaintext, profile: profile)
                    file.profiles[profile] = Entry(storage: "keyring", sealed: nil)
                    return try write(file)
                } catch let error as CLIError {
                    guard existing == nil else { throw error }
                    notice("\(error.message); the login is stored in the encrypted file \(directory.authFile) instead")
                }
            }
            let sealed = try AES.GCM.seal(plaintext, using: try key(), authenticating: Array(profile.utf8))
            guard let combined = sealed.combined else { throw CLIError.failure("cannot seal the login") }
            file.profiles[profile] = Entry(storage: "file", sealed: combined.base64EncodedString())
            try write(file)
        }
    }

    /// Forgets the profile here (the keyring's secret too).
    public func remove() throws {
        try withLock {
            var file = try authFile()
            if file.profiles[profile]?.storage == "keyring" { try keyring?.delete(profile: profile) }
            file.profiles[profile] = nil
            try write(file)
        }
    }

    /// Where the profile's login is kept, for `zcp status`: nil when there is none.
    public func storageDescription() throws(CLIError) -> String? {
        switch try authFile().profiles[profile]?.storage {
        case nil: nil
        case "keyring": "the system keyring"
        default: "the encrypted file \(directory.authFile)"
        }
    }

    private func authFile() throws(CLIError) -> AuthFile {
        guard let bytes = try PrivateFile.read(directory.authFile) else { return AuthFile() }
        guard let file = try? JSONDecoder().decode(AuthFile.self, from: Data(bytes)) else {
            throw .authenticationRequired("\(directory.authFile) is damaged: remove it and run `zcp login`")
        }
        return file
    }

    private func write(_ file: AuthFile) throws(CLIError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let data = try? encoder.encode(file) else { throw .failure("cannot encode \(directory.authFile)") }
        try PrivateFile.write(Array(data), to: directory.authFile)
    }

    private func existingKey() throws(CLIError) -> SymmetricKey? {
        guard let bytes = try PrivateFile.read(directory.keyFile) else { return nil }
        guard bytes.count == 32 else { throw .authenticationRequired("\(directory.keyFile) is damaged: remove it and run `zcp login`") }
        return SymmetricKey(data: bytes)
    }

    /// The file key, made on first use (under the lock, so two first logins agree on one).
    private func key() throws(CLIError) -> SymmetricKey {
        if let key = try existingKey() { return key }
        let key = SymmetricKey(size: .bits256)
        try PrivateFile.write(key.withUnsafeBytes { Array($0) }, to: directory.keyFile)
        return key
    }
}
