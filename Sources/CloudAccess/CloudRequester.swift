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
