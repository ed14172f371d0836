import Foundation
import JWTKit
import Runtime
@_spi(Privileged) @testable import Database
import DatabaseService

/// The real Postgres that `make test` starts (role `authenticator`, migrations applied), plus
/// users and workspaces made for one test, and tokens for them signed like GoTrue's.
struct TestDatabase {
    static let jwtSecret = "test-jwt-secret-with-at-least-32-characters"

    let database: Database
    /// The owner's connection, standing in for GoTrue when it creates users.
    let owner: Database
    let service: ServiceSession
    let verifier: CallerVerifier

    init() async throws {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"] else {
            throw ConfigurationError(message: "DATABASE_URL is not set: run the tests with `make test`")
        }
        database = try Database(url: url, applicationName: "tests")
        owner = try Database(url: ProcessInfo.processInfo.environment["MIGRATION_DATABASE_URL"] ?? url, applicationName: "tests-owner")
        service = ServiceSession(database: database)
        verifier = try await CallerVerifier(configuration: .init(jwtSecret: Self.jwtSecret))
    }

    /// A new auth.users row.
    func makeUser() async throws -> UUID {
        let id = UUID()
        _ = try await owner.runAsConnectedRole([Statement(
            "INSERT INTO auth.users (id, email, role, aud) VALUES ($1, $2, 'authenticated', 'authenticated')", id, "\(id.uuidString.lowercased())@example.test")])
        return id
    }

    /// A workspace with `owner` as its owner.
    func makeOrganization(owner: UUID, name: String = "workspace") async throws -> UUID {
        let id = UUID()
        _ = try await service.batch([
            Statement("INSERT INTO public.organizations (id, name, created_by) VALUES ($1, $2, $3)", id, name, owner),
            Statement("INSERT INTO public.memberships (organization_id, user_id, role) VALUES ($1, $2, 'owner')", id, owner),
        ])
        return id
    }

    func session(for user: UUID) async throws -> UserSession {
        database.userSession(try await verifier.verify(token: try await Self.token(for: user)))
    }

    static func token(for user: UUID, expiresIn: TimeInterval = 3600, audience: String = "authenticated",
                      secret: String = jwtSecret, issuer: String? = nil, notBefore: Date? = nil) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return try await keys.sign(GoTrueClaims(user: user, expiresIn: expiresIn, audience: audience, issuer: issuer, notBefore: notBefore))
    }
}

/// The claims a Supabase GoTrue session token carries.
struct GoTrueClaims: JWTPayload {
    let sub: SubjectClaim
    let exp: ExpirationClaim
    let iat: IssuedAtClaim
    let nbf: NotBeforeClaim?
    let aud: AudienceClaim
    let iss: IssuerClaim?
    var role: String?
    let session_id: String
    let email: String

    init(user: UUID, expiresIn: TimeInterval, audience: String, issuer: String?, notBefore: Date?) {
        sub = SubjectClaim(value: user.uuidString.lowercased())
        exp = ExpirationClaim(value: Date().addingTimeInterval(expiresIn))
        iat = IssuedAtClaim(value: Date())
        nbf = notBefore.map { NotBeforeClaim(value: $0) }
        aud = AudienceClaim(value: [audience])
        iss = issuer.map { IssuerClaim(value: $0) }
        role = "authenticated"
        session_id = UUID().uuidString.lowercased()
        email = "\(user.uuidString.lowercased())@example.test"
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
