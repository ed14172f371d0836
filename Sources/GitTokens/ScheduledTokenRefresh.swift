import Database
import Domain
import FoundationEssentials

/// provider-token-refresh's work: seal the imports sign-ins left, then refresh every active token
/// that expires within the window — in expiry order, a batch at a time, each token in its own
/// transaction, one lane per session (its own connection) so at most that many refreshes run at
/// once. A token someone is refreshing right now is skipped (`SKIP LOCKED`), not waited for.
extension ProviderTokenVault {
    public struct RefreshSummary: Encodable, Sendable {
        public var imported = 0
        /// Sign-in imports the platform's key does not open (left in place).
        public var unopenable = 0
        public var refreshed = 0
        public var needs_reauth = 0
        public var unavailable = 0
        public var skipped = 0

        public init() {}
    }

    public func refreshDue<Session: DatabaseSession>(
        window: Duration, batchSize: Int = 100, sessions: [Session], until deadline: ContinuousClock.Instant
    ) async throws -> RefreshSummary {
        var summary = RefreshSummary()
        let pending = try await sessions[0].query(
            "SELECT user_id, provider FROM private.provider_token_imports ORDER BY received_at LIMIT $1", batchSize * 10).rows
        for row in pending {
            guard let provider = GitProvider(rawValue: try row["provider"]) else { continue }
            let owner: UUID = try row["user_id"]
            do {
                if try await sessions[0].transaction({ try await sealImport(owner: owner, provider: provider, $0) }) { summary.imported += 1 }
            } catch is SignInTokenKey.Unsealable, is DecodingError {
                // One import that does not open (no key, another key, altered) stays where it is
                // and holds up nothing else.
                summary.unopenable += 1
            }
        }

        var after: (expiry: Date, id: UUID)? = nil
        while ContinuousClock.now < deadline {
            let due = try await sessions[0].query("""
                SELECT id, access_token_expires_at FROM public.provider_tokens
                WHERE status = 'active' AND refresh_token_ciphertext IS NOT NULL
                  AND access_token_expires_at < now() + make_interval(secs => $1)
                  AND ($2::timestamptz IS NULL OR (access_token_expires_at, id) > ($2, $3))
                ORDER BY access_token_expires_at, id
                LIMIT $4
                """, window.seconds, after?.expiry, after?.id, batchSize).rows
            guard let last = due.last else { break }
            after = (try last["access_token_expires_at"], try last["id"])
            let ids: [UUID] = try due.map { try $0["id"] }
            let outcomes = try await withThrowingTaskGroup(of: [Decision.Kind].self) { group in
                for (lane, session) in sessions.enumerated() {
                    let share = stride(from: lane, to: ids.count, by: sessions.count).map { ids[$0] }
                    group.addTask {
                        var kinds: [Decision.Kind] = []
                        for id in share { kinds.append(try await refreshIfDue(id, window: window, session: session)) }
                        return kinds
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            for outcome in outcomes {
                switch outcome {
                case .refreshed: summary.refreshed += 1
                case .needsReauth: summary.needs_reauth += 1
                case .unavailable: summary.unavailable += 1
                case .current, .skipped: summary.skipped += 1
                }
            }
            if due.count < batchSize { break }
        }
        return summary
    }

    private func refreshIfDue(_ id: UUID, window: Duration, session: some DatabaseSession) async throws -> Decision.Kind {
        try await session.transaction { transaction in
            guard let row = try await transaction.query(
                "SELECT \(StoredProviderToken.columns) FROM public.provider_tokens WHERE id = $1 AND status = 'active' FOR UPDATE SKIP LOCKED", id).first
            else { return .skipped }
            return try await renew(row, window: window, transaction).kind
        }
    }
}

extension ProviderTokenVault.Decision {
    enum Kind: Sendable { case current, refreshed, needsReauth, unavailable, skipped }

    var kind: Kind {
        switch self {
        case .current: .current
        case .refreshed: .refreshed
        case .keptAfterFailedRefresh, .unavailable, .notConfigured: .unavailable
        case .needsReauth: .needsReauth
        }
    }
}
