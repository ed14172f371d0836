import CLIClient
import Foundation
import Testing

/// The stored login: sealed so that a copy of auth.json alone reveals nothing and cannot be moved
/// to another profile, private files, and the refresh lock that serialises processes.
struct SessionStoreTests {
    func store(_ profile: String = "default", in directory: String? = nil) -> SessionStore {
        let path = directory ?? NSTemporaryDirectory() + "zcp-store-\(UUID().uuidString.prefix(8))"
        return SessionStore(profile: profile, directory: ConfigDirectory(environment: ["ZCP_CONFIG_DIR": path]), keyring: nil, notice: { _ in })
    }

    func session() throws -> StoredSession {
        try StoredSession(apiURL: "https://platform.example", tokens: TokenAnswer([
            "access_token": "a.eyJzdWIiOiJ1c2VyIiwic2Vzc2lvbl9pZCI6InNlc3Npb24ifQ.c", "refresh_token": "zcp_rt_secret-refresh", "expires_in": 900,
        ]), clientName: "cli:ada@laptop")
    }

    @Test func aSavedLoginIsSealedPrivateAndReadBack() throws {
        let store = store()
        try store.save(try session())
        let loaded = try #require(try store.load())
        #expect(loaded.refreshToken == "zcp_rt_secret-refresh" && loaded.userID == "user" && loaded.sessionID == "session")
        let file = try String(contentsOfFile: store.directory.authFile, encoding: .utf8)
        #expect(!file.contains("zcp_rt_") && !file.contains("cli:ada"))
        for path in [store.directory.authFile, store.directory.keyFile] {
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
        }
        #expect(try FileManager.default.attributesOfItem(atPath: store.directory.path)[.posixPermissions] as? Int == 0o700)
    }

    @Test func aSealedLoginCopiedToAnotherProfileOrWithoutItsKeyDoesNotOpen() throws {
        let first = store()
        try first.save(try session())
        // Copy the sealed part to another profile's entry: the profile is authenticated with it.
        var file = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: first.directory.authFile))) as? [String: Any])
        var profiles = try #require(file["profiles"] as? [String: Any])
        profiles["work"] = profiles["default"]
        file["profiles"] = profiles
        try JSONSerialization.data(withJSONObject: file).write(to: URL(fileURLWithPath: first.directory.authFile))
        #expect(throws: CLIError.self) { try self.store("work", in: first.directory.path).load() }
        // The file alone, without auth.key: nothing opens.
        try FileManager.default.removeItem(atPath: first.directory.keyFile)
        let error = #expect(throws: CLIError.self) { try first.load() }
        #expect(error?.kind == .authenticationRequired)
    }

    @Test func theLockKeepsOtherProcessesOutUntilReleased() throws {
        let store = store()
        try store.directory.prepare()
        try store.withLock {
            let probe = open(store.directory.lockFile, O_RDWR)
            defer { close(probe) }
            #expect(flock(probe, LOCK_EX | LOCK_NB) != 0, "held")
            // Re-entrant in the process that holds it.
            try store.withLock { try store.save(try session()) }
        }
        let probe = open(store.directory.lockFile, O_RDWR)
        defer { close(probe) }
        #expect(flock(probe, LOCK_EX | LOCK_NB) == 0, "released")
    }
}
