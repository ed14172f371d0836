import Crypto
import Foundation
import Testing

/// `zcp` as one person uses it: their own config folder (the file store, no keyring), the
/// gateway's URL, and their platform user (whose web session approves the CLI's logins).
struct ZCPUser {
    let gateway: GatewayProcess
    let user: (id: UUID, token: String)
    let configDirectory: String
    /// A session bus with a Secret Service: the login goes to the keyring instead of the file.
    var sessionBus: String?
    var binary: String { URL(fileURLWithPath: binDirectory).appendingPathComponent("zcp").path }

    init(gateway: GatewayProcess, user: (id: UUID, token: String), configDirectory: String? = nil) {
        self.gateway = gateway
        self.user = user
        self.configDirectory = configDirectory ?? NSTemporaryDirectory() + "zcp-\(UUID().uuidString.prefix(8))"
    }

    /// What the test runner's own environment must not leak into a user's tools: the platform's
    /// AWS keys (they would win over any credential_process) and other zcp settings.
    static let foreign: Set<String> = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "ZCP_TOKEN",
                                       "ZCP_PROFILE", "ZCP_WORKSPACE", "DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS"]

    var environment: [String: String] {
        let base = ["ZCP_CONFIG_DIR": configDirectory, "ZCP_API_URL": gateway.baseURL]
        guard let sessionBus else { return base.merging(["ZCP_KEYRING": "file"]) { $1 } }
        return base.merging(["DBUS_SESSION_BUS_ADDRESS": sessionBus]) { $1 }
    }

    func run(_ arguments: [String], standardInput: String? = nil, environment extra: [String: String] = [:]) throws -> CommandResult {
        try runExecutable("zcp", arguments: arguments, standardInput: standardInput, environment: environment.merging(extra) { $1 }, removing: Self.foreign)
    }

    func program(_ path: String, _ arguments: [String], environment extra: [String: String] = [:]) throws -> CommandResult {
        try runProgram(path, arguments: arguments, environment: environment.merging(extra) { $1 }, removing: Self.foreign)
    }

    /// The approval a person gives in the browser, through the API with their web session.
    func approve(link: String) throws -> String {
        let query = try #require(URLComponents(string: link)?.queryItems)
        let body = try JSONSerialization.data(withJSONObject: [
            "device_code": try #require(query.first { $0.name == "device_code" }?.value),
            "public_key": try #require(query.first { $0.name == "public_key" }?.value),
            "client_name": query.first { $0.name == "client_name" }?.value ?? "",
        ])
        let approval = try gateway.request("POST", "/api/auth/cli/authorize", body: String(decoding: body, as: UTF8.self),
                                           headers: [("Authorization", "Bearer \(user.token)")])
        #expect(approval.status == 201, "\(String(decoding: approval.body, as: UTF8.self))")
        return try #require(try jsonObject(approval.body)["verification_code"] as? String)
    }

    /// `zcp login --no-browser` with a pipe for a terminal: the link is read off stderr, approved,
    /// and the code typed. `codes` are typed before the right one (wrong ones).
    @discardableResult
    func logIn(profile: String? = nil, typing wrong: [String] = []) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["login", "--no-browser"] + (profile.map { ["--profile", $0] } ?? [])
        process.environment = ProcessInfo.processInfo.environment.filter { !Self.foreign.contains($0.key) }.merging(environment) { $1 }
        let input = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var said = ""
        while !said.contains("Enter the code") {
            let data = errors.fileHandleForReading.availableData
            if data.isEmpty { break }
            said += String(decoding: data, as: UTF8.self)
        }
        let link = try #require(said.firstMatch(of: /(http:\/\/\S+\/cli\/login\?\S+)/).map { String($0.1) }, "\(said)")
        let code = try approve(link: link)
        for typed in wrong + [code] { input.fileHandleForWriting.write(Data((typed + "\n").utf8)) }
        try input.fileHandleForWriting.close()
        said += String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(said)")
        return said
    }

    /// The stored session, opened as the CLI opens it (a test stands in for time passing).
    func storedSession(profile: String = "default") throws -> [String: Any] {
        let file = try jsonObject(try String(contentsOfFile: configDirectory + "/auth.json", encoding: .utf8))
        let sealed = try #require(((file["profiles"] as? [String: Any])?[profile] as? [String: Any])?["sealed"] as? String)
        let key = SymmetricKey(data: try Data(contentsOf: URL(fileURLWithPath: configDirectory + "/auth.key")))
        let opened = try AES.GCM.open(try AES.GCM.SealedBox(combined: try #require(Data(base64Encoded: sealed))), using: key,
                                      authenticating: Data(profile.utf8))
        return try #require(try JSONSerialization.jsonObject(with: opened) as? [String: Any])
    }

    func replaceStoredSession(_ session: [String: Any], profile: String = "default") throws {
        let path = configDirectory + "/auth.json"
        var file = try jsonObject(try String(contentsOfFile: path, encoding: .utf8))
        var profiles = try #require(file["profiles"] as? [String: Any])
        let key = SymmetricKey(data: try Data(contentsOf: URL(fileURLWithPath: configDirectory + "/auth.key")))
        let sealed = try AES.GCM.seal(try JSONSerialization.data(withJSONObject: session), using: key, authenticating: Data(profile.utf8))
        profiles[profile] = ["storage": "file", "sealed": try #require(sealed.combined).base64EncodedString()]
        file["profiles"] = profiles
        try JSONSerialization.data(withJSONObject: file).write(to: URL(fileURLWithPath: path))
    }

    /// As if the access token's 15 minutes had passed.
    func expireAccessToken(profile: String = "default") throws {
        var session = try storedSession(profile: profile)
        session["accessTokenExpiresAt"] = Date().timeIntervalSince1970 - 60
        try replaceStoredSession(session, profile: profile)
    }
}
