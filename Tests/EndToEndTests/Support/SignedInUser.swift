import Foundation
import JWTKit
@_spi(Privileged) import Database

/// A user as GoTrue would have made them (a row in auth.users, written as the owner) and an
/// HS256 session token for them, signed with the project's JWT secret.
func makeSignedInUser(owner: Database) async throws -> (id: UUID, token: String) {
    let id = UUID()
    _ = try await owner.runAsConnectedRole([Statement("INSERT INTO auth.users (id, email) VALUES ($1, $2)", id, "\(id)@example.test")])
    struct Claims: JWTPayload {
        let sub: SubjectClaim, exp: ExpirationClaim, aud: AudienceClaim, role: String
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
    guard let secret = ProcessInfo.processInfo.environment["SUPABASE_JWT_SECRET"] else { throw CocoaError(.featureUnsupported) }
    let keys = JWTKeyCollection()
    await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
    let token = try await keys.sign(Claims(sub: .init(value: id.uuidString.lowercased()), exp: .init(value: Date().addingTimeInterval(600)),
                                           aud: .init(value: ["authenticated"]), role: "authenticated"))
    return (id, token)
}

/// A new workspace with `user` in it as `role`, written as the owner.
func makeWorkspace(owner: Database, member user: UUID, role: String) async throws -> UUID {
    let id = UUID()
    _ = try await owner.runAsConnectedRole([
        Statement("INSERT INTO public.organizations (id, name, created_by) VALUES ($1, 'acme', $2)", id, user),
        Statement("INSERT INTO public.memberships (organization_id, user_id, role) VALUES ($1, $2, $3)", id, user, role),
    ])
    return id
}
