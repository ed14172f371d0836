import CLIClient
import Foundation
import Runtime
import Testing

/// `zcp exec`'s credential server over real loopback HTTP: it renews what it hands out before
/// botocore's 15-minute window (so a long Terraform apply keeps working) and answers only the
/// holder of its token.
struct CredentialServerTests {
    final class Counter: @unchecked Sendable {
        let lock = NSLock()
        var value = 0
        func next() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
    }

    func credentials(_ serial: Int, lifetime: TimeInterval) throws -> AWSCredentials {
        let expiration = ISO8601DateFormatter().string(from: Date().addingTimeInterval(lifetime))
        return try AWSCredentials(platformAnswer: ["Version": 1, "AccessKeyId": "ASIA\(serial)", "SecretAccessKey": "secret", "SessionToken": "token",
                                                   "Expiration": expiration])
    }

    func get(_ server: CredentialServer, token: String?) throws -> (status: Int, json: [String: Any]) {
        let response = try HTTPClient().send(.init(method: "GET", url: server.url, headers: token.map { [("Authorization", $0)] } ?? []))
        return (response.status, (try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]) ?? [:])
    }

    @Test func credentialsAreRenewedBeforeTheSDKsWindowAndKeptOtherwise() throws {
        let calls = Counter()
        let short = try CredentialServer { try self.credentials(calls.next(), lifetime: 14 * 60) }
        short.start()
        #expect(try get(short, token: short.authorizationToken).json["AccessKeyId"] as? String == "ASIA1")
        #expect(try get(short, token: short.authorizationToken).json["AccessKeyId"] as? String == "ASIA2", "14 minutes left: renewed")

        let hourly = Counter()
        let long = try CredentialServer { try self.credentials(hourly.next(), lifetime: 3600) }
        long.start()
        for _ in 0..<3 { #expect(try get(long, token: long.authorizationToken).json["Token"] as? String == "token") }
        #expect(hourly.value == 1, "an hour left: the same set")
    }

    @Test func onlyTheHolderOfTheTokenGetsCredentials() throws {
        let server = try CredentialServer { try self.credentials(1, lifetime: 3600) }
        server.start()
        #expect(try get(server, token: nil).status == 401)
        #expect(try get(server, token: String(repeating: "0", count: 64)).status == 401)
        #expect(try get(server, token: server.authorizationToken).status == 200)
        #expect(server.url.hasPrefix("http://127.0.0.1:"))
    }

    @Test func aFailingPlatformIsA503WithTheReasonNotACrash() throws {
        let server = try CredentialServer { throw CLIError.authenticationRequired("the CLI session has ended") }
        server.start()
        let answer = try get(server, token: server.authorizationToken)
        #expect(answer.status == 503)
        #expect((answer.json["error_description"] as? String)?.contains("ended") == true)
    }
}
