import Foundation
import Runtime
import Testing
@_spi(Privileged) import Database

/// What the federation suites share: a gateway whose own URL is its issuer (so the stand-in for
/// Google and Entra ID, scripts/federation-server.py, can fetch its keys), a workspace with one
/// user per role and an outsider, calls as each, and the stand-in's admin API (the customer's side).
final class FederationFixture: @unchecked Sendable {
    let owner: Database
    let emulator: String
    let port: Int
    let issuer: String
    let environment: [String: String]
    var gateway: GatewayProcess

    typealias User = (id: UUID, token: String)

    struct People {
        let workspace: UUID
        let admin: User
        let member: User
        let viewer: User
        let outsider: User
    }

    init(environment: [String: String] = [:]) throws {
        owner = try Database(url: try #require(ProcessInfo.processInfo.environment["MIGRATION_DATABASE_URL"]), applicationName: "federation-tests")
        emulator = try #require(ProcessInfo.processInfo.environment["FEDERATION_EMULATOR_URL"])
        self.environment = environment
        // A free port named before the gateway binds it (its URL is the issuer); another suite's
        // gateway may take it in between, so a few tries.
        var attempt = 0
        while true {
            let candidate = try freeLoopbackPort()
            do {
                gateway = try Self.startGateway(port: candidate, environment: environment, signingKeys: nil)
                port = candidate
                break
            } catch let error as GatewayProcess.GatewayStartError where error.log.contains("Address already in use") && attempt < 4 {
                attempt += 1
            }
        }
        issuer = "http://127.0.0.1:\(port)"
    }

    static func startGateway(port: Int, environment: [String: String], signingKeys: String?) throws -> GatewayProcess {
        var variables = environment.merging(["PLATFORM_URL": "http://127.0.0.1:\(port)"]) { $1 }
        if let signingKeys { variables["PLATFORM_SIGNING_KEYS"] = signingKeys }
        return try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8), environment: variables, port: port)
    }

    /// The same gateway (same URL, so the same issuer) with other signing keys; nil: the environment's.
    func restart(signingKeys: [[String: Any]]?) {
        _ = gateway.stop()
        let json = signingKeys.flatMap { try? JSONSerialization.data(withJSONObject: $0) }.map { String(decoding: $0, as: UTF8.self) }
        gateway = (try? Self.startGateway(port: port, environment: environment, signingKeys: json)) ?? gateway
    }

    func people() async throws -> People {
        let admin = try await makeSignedInUser(owner: owner)
        let id = try await makeWorkspace(owner: owner, member: admin.id, role: "owner")
        var users: [User] = []
        for role in ["member", "viewer"] {
            let user = try await makeSignedInUser(owner: owner)
            _ = try await owner.runAsConnectedRole([Statement("INSERT INTO public.memberships (organization_id, user_id, role) VALUES ($1, $2, $3)", id, user.id, role)])
            users.append(user)
        }
        let outsider = try await makeSignedInUser(owner: owner)
        _ = try await makeWorkspace(owner: owner, member: outsider.id, role: "owner")
        return People(workspace: id, admin: admin, member: users[0], viewer: users[1], outsider: outsider)
    }

    func call(_ method: String, _ path: String, _ user: User, body: String? = nil) throws -> (status: Int, json: [String: Any], headers: [String: String]) {
        let response = try gateway.request(method, path, body: body, headers: [("Authorization", "Bearer \(user.token)")])
        return (response.status, (try? jsonObject(response.body)) ?? [:], response.headers)
    }

    /// The stand-in's admin API: the customer's side of the trust.
    @discardableResult
    func admin(_ method: String, _ path: String, _ body: [String: Any]? = nil) throws -> [String: Any] {
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) } ?? Data()
        let response = try HTTPClient().send(.init(method: method, url: emulator + path, headers: [("Content-Type", "application/json")], body: Array(data)))
        #expect(response.status == 200, "\(path): \(String(decoding: response.body, as: UTF8.self))")
        return (try? jsonObject(response.body)) ?? [:]
    }

    /// The newest token the stand-in was presented for `subject` (audience, kid, purpose), if any.
    /// Suites run side by side against one stand-in: look for one's own subject, not the last.
    func presented(subject: String) throws -> [String: Any]? {
        (try admin("GET", "/_emulator/exchanges")["exchanges"] as? [[String: Any]])?.last { $0["subject"] as? String == subject }
    }
}

func newRSAKeyPEM() throws -> String {
    let result = try runProgram("/usr/bin/env", arguments: ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])
    #expect(result.status == 0)
    return result.standardOutput
}

func freeLoopbackPort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

extension Data {
    /// A JWT part (base64url without padding).
    init(base64URL text: String) {
        var base64 = text.replacing("-", with: "+").replacing("_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self = Data(base64Encoded: base64) ?? Data()
    }
}
