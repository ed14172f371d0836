import Crypto
@_spi(Privileged) import Database
import Domain
import Foundation
import JWTKit
import Runtime

// cli-refresh through the gateway on one process: requests per second and p50 / p99 latency of
// sequential refreshes (each with the token the last one returned), and the share of a request
// spent in the database — the same rotation statement timed alone on a connection of its own.
let environment = ProcessInfo.processInfo.environment
let iterations = Int(environment["BENCH_REFRESH_ITERATIONS"] ?? "") ?? 1000
let functionDirectory = CommandLine.arguments[1]
let gatewayBinary = CommandLine.arguments[2]

// A gateway with one process per function, over the deployment template.
let gateway = Process()
gateway.executableURL = URL(fileURLWithPath: gatewayBinary)
gateway.arguments = ["--template", "infra/template.yaml", "--port", "0", "--build-directory", functionDirectory, "--concurrency", "1"]
let output = Pipe()
gateway.standardOutput = output
gateway.standardError = FileHandle.nullDevice
var gatewayEnvironment = environment
gatewayEnvironment["LOG_LEVEL"] = "error"
gateway.environment = gatewayEnvironment
try gateway.run()
defer { gateway.terminate(); gateway.waitUntilExit() }
var announced = ""
while !announced.contains("\n") { announced += String(decoding: output.fileHandleForReading.availableData, as: UTF8.self) }
let base = String(announced.split(separator: " ").last!.trimmingCharacters(in: .whitespacesAndNewlines))

let http = HTTPClient()
@MainActor func post(_ path: String, _ body: [String: String], bearer: String? = nil) throws -> [String: Any] {
    var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
    if let bearer { headers.append(("Authorization", "Bearer \(bearer)")) }
    let response = try http.send(.init(method: "POST", url: base + path, headers: headers, body: Array(try JSONSerialization.data(withJSONObject: body))))
    return try JSONSerialization.jsonObject(with: Data(response.body)) as! [String: Any]
}

// A signed-in user logs the CLI in.
let owner = try Database(url: environment["MIGRATION_DATABASE_URL"]!, applicationName: "bench-owner")
@MainActor func newLogin() async throws -> String {
    let user = UUID()
    _ = try await owner.runAsConnectedRole([Statement("INSERT INTO auth.users (id, email) VALUES ($1, 'bench@example.test')", user)])
    struct Claims: JWTPayload {
        let sub: SubjectClaim, exp: ExpirationClaim, aud: AudienceClaim, role: String
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
    let keys = JWTKeyCollection()
    await keys.add(hmac: HMACKey(from: environment["SUPABASE_JWT_SECRET"]!), digestAlgorithm: .sha256)
    let session = try await keys.sign(Claims(sub: .init(value: user.uuidString.lowercased()), exp: .init(value: Date().addingTimeInterval(600)),
                                             aud: .init(value: ["authenticated"]), role: "authenticated"))
    let device = UUID().uuidString.lowercased(), key = P256.Signing.PrivateKey()
    let approval = try post("/api/auth/cli/authorize", ["device_code": device, "public_key": Base64URL.encode(Array(key.publicKey.x963Representation))], bearer: session)
    let code = approval["verification_code"] as! String
    let proof = try CLIClientKey.proof(signing: key, deviceCode: DeviceCode(device)!, code: VerificationCode(typed: code)!)
    let tokens = try post("/api/auth/cli/exchange", ["device_code": device, "verification_code": code, "proof": proof])
    return tokens["refresh_token"] as! String
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}
func percentile(_ values: [Double], _ fraction: Double) -> Double { values.sorted()[min(values.count - 1, Int(Double(values.count) * fraction))] }

var refreshToken = try await newLogin()
for _ in 0..<50 { refreshToken = try post("/api/auth/cli/refresh", ["refresh_token": refreshToken])["refresh_token"] as! String }  // warm up
var latencies: [Double] = []
let started = ContinuousClock.now
for _ in 0..<iterations {
    let start = ContinuousClock.now
    let answer = try post("/api/auth/cli/refresh", ["refresh_token": refreshToken])
    latencies.append(milliseconds(ContinuousClock.now - start))
    refreshToken = answer["refresh_token"] as! String
}
let elapsed = milliseconds(ContinuousClock.now - started)

// The database's part: the rotation the handler runs, with the same session kind and hashes.
let database = try Database(url: environment["DATABASE_URL"]!, applicationName: "bench-refresh")
let anonymous = database.anonymousSession()
var presented = try await newLogin()
// The handler stores SHA-256 of the token's UTF-8; sha256() in SQL computes the same.
var databaseLatencies: [Double] = []
for index in 0..<iterations {
    let next = "zcp_rt_bench_\(index)_\(UUID().uuidString)"
    let start = ContinuousClock.now
    let row = try await anonymous.query(
        "SELECT * FROM private.cli_rotate_refresh_token(sha256(convert_to($1, 'UTF8')), sha256(convert_to($2, 'UTF8')), make_interval(secs => 10), make_interval(secs => 2592000))",
        presented, next).first
    databaseLatencies.append(milliseconds(ContinuousClock.now - start))
    guard try row?["outcome"] as String? == "rotated" else { fatalError("rotation failed") }
    presented = next
}

let p50 = percentile(latencies, 0.5), p99 = percentile(latencies, 0.99), databaseP50 = percentile(databaseLatencies, 0.5)
print(String(format: "cli-refresh through the gateway, one process, %d sequential requests:", iterations))
print(String(format: "  %.0f requests/s   p50 %.2f ms   p99 %.2f ms", Double(iterations) / (elapsed / 1000), p50, p99))
print(String(format: "  database (rotation statement alone, p50) %.2f ms = %.0f%% of a request; handler, runtime and gateway %.0f%%",
             databaseP50, 100 * databaseP50 / p50, 100 * (1 - databaseP50 / p50)))
