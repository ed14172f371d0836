import Database
import DatabaseService
import FoundationEssentials
import GitTokens
import Runtime

/// The schedule's tick (system function, service session): seals tokens that sign-ins left in
/// the import table and refreshes every active token expiring within
/// `PROVIDER_TOKEN_SCHEDULED_WINDOW_SECONDS`, `PROVIDER_TOKEN_REFRESH_CONCURRENCY` at a time.
struct ProviderTokenRefresh: LambdaHandler {
    struct Event: Decodable, Sendable {}

    let sessions: [ServiceSession]
    let vault: ProviderTokenVault
    let window: Duration
    let batchSize: Int

    init(context: InitContext) async throws {
        let concurrency = max(1, context.environment["PROVIDER_TOKEN_REFRESH_CONCURRENCY"].flatMap(Int.init) ?? 4)
        // One connection per lane: each refresh holds its row lock in its own transaction.
        sessions = try (0..<concurrency).map { _ in
            ServiceSession(database: try Database(environment: context.environment, applicationName: context.functionName))
        }
        vault = try ProviderTokenVault(environment: context.environment)
        window = .seconds(context.environment["PROVIDER_TOKEN_SCHEDULED_WINDOW_SECONDS"].flatMap(Int.init) ?? 900)
        // 0 pauses the refresher (the tick then does nothing).
        batchSize = max(0, context.environment["PROVIDER_TOKEN_REFRESH_BATCH"].flatMap(Int.init) ?? 100)
    }

    func handle(_ event: Event, context: LambdaContext) async throws -> ProviderTokenVault.RefreshSummary {
        guard batchSize > 0 else { return .init() }
        // Stop taking new batches with a minute to spare; the next tick carries on.
        let deadline = ContinuousClock.now + context.remainingTime - .seconds(60)
        let summary = try await vault.refreshDue(window: window, batchSize: batchSize, sessions: sessions, until: deadline)
        context.logger.info("provider tokens refreshed", metadata: [
            "imported": "\(summary.imported)", "refreshed": "\(summary.refreshed)", "needsReauth": "\(summary.needs_reauth)",
            "unavailable": "\(summary.unavailable)", "skipped": "\(summary.skipped)", "unopenable": "\(summary.unopenable)",
        ])
        return summary
    }
}
