import Database
import DatabaseService
import FoundationEssentials
import Runtime
import WorkQueue

/// The schedule's tick (system function, service session): queues a scan for every active AWS
/// identity not scanned within `SCAN_INTERVAL_HOURS` and without a pending scan, and hands them
/// to run-scan; scans queued earlier whose event seems lost are handed over again.
struct ScanDispatch: LambdaHandler {
    struct Event: Decodable, Sendable {}
    struct Output: Encodable, Sendable {
        let queued: Int
        let resent: Int
    }

    let database: Database
    let queue: WorkQueue
    let intervalHours: Int
    let batchLimit: Int

    init(context: InitContext) async throws {
        database = try Database(environment: context.environment, applicationName: context.functionName)
        queue = try WorkQueue.scans(environment: context.environment)
        intervalHours = context.environment["SCAN_INTERVAL_HOURS"].flatMap(Int.init) ?? 24
        batchLimit = context.environment["SCAN_DISPATCH_LIMIT"].flatMap(Int.init) ?? 500
    }

    func handle(_ event: Event, context: LambdaContext) async throws -> Output {
        let session = ServiceSession(database: database)
        let results = try await session.batch([
            // The partial unique index makes a concurrent tick's second scan a no-op.
            Statement("""
                INSERT INTO public.scans (organization_id, cloud_identity_id, trigger)
                SELECT c.organization_id, c.id, 'schedule' FROM public.cloud_identities c
                WHERE c.provider = 'aws' AND c.purpose = 'scan' AND c.status = 'active'
                  AND (c.last_scanned_at IS NULL OR c.last_scanned_at < now() - make_interval(hours => $1))
                  AND NOT EXISTS (SELECT 1 FROM public.scans s WHERE s.cloud_identity_id = c.id AND s.status IN ('queued', 'running'))
                ORDER BY c.last_scanned_at NULLS FIRST
                LIMIT $2
                ON CONFLICT DO NOTHING
                RETURNING id
                """, intervalHours, batchLimit),
            Statement("""
                SELECT id FROM public.scans WHERE status = 'queued' AND queued_at < now() - interval '15 minutes'
                ORDER BY queued_at LIMIT $1
                """, batchLimit),
        ])
        let queued: [UUID] = try results[0].rows.map { try $0["id"] }
        let stale: [UUID] = try results[1].rows.map { try $0["id"] }
        try await queue.enqueue(queued + stale)
        context.logger.info("scans dispatched", metadata: ["queued": "\(queued.count)", "resent": "\(stale.count)"])
        return Output(queued: queued.count, resent: stale.count)
    }
}
