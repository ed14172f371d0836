import Foundation

/// The system keyring, where one answers: the Secret Service through `secret-tool` on Linux
/// (only with a session bus, and never waiting more than a few seconds: an unlock prompt on a
/// display nobody is looking at must not hang a terminal), the Keychain on macOS. Each profile is
/// one secret: service `zcp`, account = the profile.
public protocol Keyring: Sendable {
    func read(profile: String) throws(CLIError) -> [UInt8]?
    func write(_ secret: [UInt8], profile: String) throws(CLIError)
    func delete(profile: String) throws(CLIError)
}

public enum SystemKeyring {
    /// nil when `ZCP_KEYRING=file`, or no keyring can answer here.
    public static func available(environment: [String: String]) -> (any Keyring)? {
        if environment["ZCP_KEYRING"] == "file" { return nil }
        #if canImport(Security)
        return MacKeychain()
        #else
        guard let bus = environment["DBUS_SESSION_BUS_ADDRESS"], !bus.isEmpty,
              let tool = executable(named: "secret-tool", path: environment["PATH"] ?? "/usr/bin:/bin") else { return nil }
        return SecretToolKeyring(tool: tool)
        #endif
    }

    static func executable(named name: String, path: String) -> String? {
        path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// libsecret's `secret-tool`: the secret travels on stdin and stdout, never in arguments.
struct SecretToolKeyring: Keyring {
    let tool: String
    static let timeout: TimeInterval = 3

    func read(profile: String) throws(CLIError) -> [UInt8]? {
        let result = try run(["lookup", "service", "zcp", "profile", profile], input: nil)
        // Exit 1 with nothing said: no such secret.
        if result.status != 0 {
            if result.error.isEmpty { return nil }
            throw refusal(result.error)
        }
        let text = String(decoding: result.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = Data(base64Encoded: text) else { throw .failure("the keyring's secret for profile \(profile) is damaged: run `zcp login`") }
        return Array(data)
    }

    func write(_ secret: [UInt8], profile: String) throws(CLIError) {
        let result = try run(["store", "--label", "zcp (\(profile))", "service", "zcp", "profile", profile], input: Array(Data(secret).base64EncodedString().utf8))
        if result.status != 0 { throw refusal(result.error) }
    }

    func delete(profile: String) throws(CLIError) {
        _ = try run(["clear", "service", "zcp", "profile", profile], input: nil)
    }

    private func refusal(_ message: String) -> CLIError {
        .failure("the keyring refused: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
    }

    private func run(_ arguments: [String], input: [UInt8]?) throws(CLIError) -> (status: Int32, output: [UInt8], error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do { try process.run() } catch { throw .failure("cannot run \(tool): \(error.localizedDescription)") }
        if let input { stdin.fileHandleForWriting.write(Data(input)) }
        try? stdin.fileHandleForWriting.close()
        // Read while it runs, so a full pipe cannot stall it.
        nonisolated(unsafe) var output = Data(), error = Data()
        let readers = DispatchGroup()
        DispatchQueue.global().async(group: readers) { output = stdout.fileHandleForReading.readDataToEndOfFile() }
        DispatchQueue.global().async(group: readers) { error = stderr.fileHandleForReading.readDataToEndOfFile() }
        guard finished.wait(timeout: .now() + Self.timeout) == .success else {
            process.terminate()
            throw .failure("the keyring did not answer within \(Int(Self.timeout)) s (locked, or waiting for a prompt nobody sees); set ZCP_KEYRING=file to use the encrypted file")
        }
        readers.wait()
        return (process.terminationStatus, Array(output), String(decoding: error, as: UTF8.self))
    }
}

#if canImport(Security)
import Security

/// The macOS Keychain (generic passwords, service `zcp`): only this program may read its items
/// without the user's consent.
struct MacKeychain: Keyring {
    private func query(_ profile: String) -> [String: Any] {
        [kSecClass as String: kSecClassGenericPassword, kSecAttrService as String: "zcp", kSecAttrAccount as String: profile]
    }

    func read(profile: String) throws(CLIError) -> [UInt8]? {
        var query = query(profile)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        if status == errSecItemNotFound { return nil }
        guard status == errSecSuccess, let data = item as? Data else { throw .failure("the Keychain refused (OSStatus \(status))") }
        return Array(data)
    }

    func write(_ secret: [UInt8], profile: String) throws(CLIError) {
        let updated = SecItemUpdate(query(profile) as CFDictionary, [kSecValueData as String: Data(secret)] as CFDictionary)
        if updated == errSecSuccess { return }
        guard updated == errSecItemNotFound else { throw .failure("the Keychain refused (OSStatus \(updated))") }
        var item = query(profile)
        item[kSecValueData as String] = Data(secret)
        item[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        let added = SecItemAdd(item as CFDictionary, nil)
        guard added == errSecSuccess else { throw .failure("the Keychain refused (OSStatus \(added))") }
    }

    func delete(profile: String) throws(CLIError) {
        let status = SecItemDelete(query(profile) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else { throw .failure("the Keychain refused (OSStatus \(status))") }
    }
}
#endif
