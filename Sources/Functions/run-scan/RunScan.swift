import Database
import DatabaseService
import FoundationEssentials
import Runtime
import Scanning
import WorkQueue

/// Runs queued scans (system function, service session). Its event is a scan id — directly
/// (`{"scan_id": "…"}`, the local gateway's asynchronous invoke) or in an SQS batch — and a
/// scan runs once however many times its event arrives. For SQS it answers which messages failed,
/// so only those come back.
struct RunScan: LambdaHandler {
    enum Scan: WorkItemKind { static let key = "scan_id" }

    let database: Database
    let runner: ScanRunner

    init(context: InitContext) async throws {
        database = try Database(environment: context.environment, applicationName: context.functionName)
        runner = try ScanRunner(environment: context.environment)
    }

    func handle(_ event: WorkBatch<Scan>, context: LambdaContext) async throws -> WorkBatch<Scan>.Report {
        let session = ServiceSession(database: database)
        return try await event.process(logger: context.logger) { scan in
            switch try await runner.run(scan: scan, session: session, logger: context.logger) {
            case .skipped(let status):
                context.logger.info("scan not queued; nothing to do", metadata: ["scan": "\(scan)", "status": "\(status ?? "none")"])
                return .init(id: scan, outcome: "skipped", status: status)
            case .finished(let status, _, _):
                return .init(id: scan, outcome: "finished", status: status)
            case .abandoned(let reason):
                context.logger.warning("scan abandoned", metadata: ["scan": "\(scan)", "reason": "\(reason)"])
                return .init(id: scan, outcome: "abandoned", status: nil)
            }
        }
    }
}
