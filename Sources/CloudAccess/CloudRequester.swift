import Database
import FoundationEssentials

/// Who asked for access to a customer's cloud, for the audit trail (and, on AWS, the session name
/// CloudTrail shows): a user, or one of the platform's own functions.
public enum CloudRequester: Sendable {
    case user(UUID)
    case system(String)

    /// The audit row's `user_id` and `actor`.
    var audited: (userID: UUID?, actor: String) {
        switch self {
        case .user(let id): (id, "user:\(id.uuidString.lowercased())")
        case .system(let function): (nil, "system:\(function)")
        }
    }
}

/// Runs a database step, turning its failure into the caller's refusal type.
func databaseStep<T, Refusal: Error>(_ refusal: (any Error) -> Refusal, _ body: () async throws -> T) async throws(Refusal) -> T {
    do { return try await body() } catch { throw refusal(error) }
}

/// Written before anything is handed out: an issuance the audit trail does not show never happens.
func auditIssuance(_ action: String, organization: UUID, identity: UUID, requester: CloudRequester, session: some DatabaseSession,
                   details: [String: String], until expiry: Date) async throws {
    let (userID, actor) = requester.audited
    let json = String(decoding: try JSONEncoder().encode(details), as: UTF8.self)
    _ = try await session.query("""
        INSERT INTO public.audit_events (organization_id, user_id, actor, action, cloud_identity_id, details, expires_at)
        VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
        """, organization, userID, actor, action, identity, json, expiry)
}
