@_spi(Privileged) import Database
import DatabaseService
import Foundation
import JWTKit

// A user-scoped read and write (BEGIN, role, claims, statement, COMMIT — pipelined, RLS on)
// against the same statement run bare on the same connection (as service_role, no transaction
// wrapper), alternating blocks so the machine's noise falls on both.
let environment = ProcessInfo.processInfo.environment
let iterations = Int(environment["BENCH_DATABASE_ITERATIONS"] ?? "") ?? 2000
let secret = "bench-jwt-secret-with-at-least-32-characters"

let owner = try Database(url: environment["MIGRATION_DATABASE_URL"]!, applicationName: "bench-owner")
let database = try Database(url: environment["DATABASE_URL"]!, applicationName: "bench")
let user = UUID(), organization = UUID()
_ = try await owner.runAsConnectedRole([
    Statement("INSERT INTO auth.users (id, email) VALUES ($1, 'bench@example.test')", user),
    Statement("INSERT INTO public.organizations (id, name, created_by) VALUES ($1, 'bench', $2)", organization, user),
    Statement("INSERT INTO public.memberships (organization_id, user_id, role) VALUES ($1, $2, 'owner')", organization, user),
])
struct Claims: JWTPayload {
    let sub: SubjectClaim, exp: ExpirationClaim, aud: AudienceClaim, role: String
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
let signer = JWTKeyCollection()
await signer.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
let token = try await signer.sign(Claims(sub: .init(value: user.uuidString.lowercased()), exp: .init(value: Date().addingTimeInterval(3600)),
                                         aud: .init(value: ["authenticated"]), role: "authenticated"))
let session = database.userSession(try await CallerVerifier(configuration: .init(jwtSecret: secret)).verify(token: token))
// Bare statements run as service_role for the whole connection; each user transaction sets its own role locally.
_ = try await database.runAsConnectedRole([Statement("SET ROLE service_role")])

let read = "SELECT id, name FROM public.organizations WHERE id = $1"
let write = "UPDATE public.organizations SET name = $2 WHERE id = $1"

func measure(_ body: () async throws -> Void) async rethrows -> [Double] {
    var samples: [Double] = []
    for _ in 0..<iterations {
        let start = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - start
        samples.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
    }
    return samples
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

var results: [String: [Double]] = [:]
for _ in 0..<5 {
    results["bare read", default: []] += try await measure { _ = try await database.runAsConnectedRole([Statement(read, organization)]) }
    results["user read", default: []] += try await measure { _ = try await session.query(read, organization) }
    results["bare write", default: []] += try await measure { _ = try await database.runAsConnectedRole([Statement(write, organization, "bench")]) }
    results["user write", default: []] += try await measure { _ = try await session.query(write, organization, "bench") }
}
let before = await database.roundTrips()
_ = try await session.query(read, organization)
let readTrips = await database.roundTrips() - before
_ = try await session.query(write, organization, "bench")
let writeTrips = await database.roundTrips() - before - readTrips

print("operation     bare        user-scoped   ratio   round trips (user-scoped)")
for (kind, trips) in [("read", readTrips), ("write", writeTrips)] {
    let bare = median(results["bare \(kind)"]!), user = median(results["user \(kind)"]!)
    print(String(format: "%-12@ %7.1f µs  %9.1f µs   %.2f×   %d", kind as NSString, bare, user, user / bare, trips))
}
print("goal: one round trip, ≤ 1.5× the bare statement")
