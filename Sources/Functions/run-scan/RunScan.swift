import Database
import DatabaseService
import FoundationEssentials
import Runtime
import Scanning

/// Runs queued scans (system function, service session). Its event is a scan id — directly
/// (`{"scan_id": "…"}`, the local gateway's asynchronous invoke) or in an SQS batch — and a
/// scan runs once however many times its event arrives. For SQS it answers which messages failed,
/// so only those come back.
struct RunScan: LambdaHandler {
    struct Event: Decodable, Sendable {
        struct Record: Decodable, Sendable {
            let messageId: String
            let body: String
        }
        let scan_id: UUID?
        let Records: [Record]?
    }

    struct Output: Encodable, Sendable {
        struct Failure: Encodable, Sendable { let itemIdentifier: String }
        struct Result: Encodable, Sendable {
            let scan_id: UUID
            let outcome: String
            let status: String?
        }
        let results: [Result]
        let batchItemFailures: [Failure]
    }

    struct Message: Decodable { let scan_id: UUID }

    let database: Database
    let runner: ScanRunner

    init(context: InitContext) async throws {
        database = try Database(environment: context.environment, applicationName: context.functionName)
        runner = try ScanRunner(environment: context.environment)
    }

    func handle(_ event: Event, context: LambdaContext) async throws -> Output {
        let session = ServiceSession(database: database)
        if let scan = event.scan_id {
            return Output(results: [try await run(scan, session: session, context: context)], batchItemFailures: [])
        }
        var results: [Output.Result] = [], failures: [Output.Failure] = []
        for record in event.Records ?? [] {
            do {
                let message = try JSONDecoder().decode(Message.self, from: Data(record.body.utf8))
                results.append(try await run(message.scan_id, session: session, context: context))
            } catch {
                context.logger.error("scan message failed", metadata: ["messageId": "\(record.messageId)", "error": "\(error)"])
                failures.append(.init(itemIdentifier: record.messageId))
            }
        }
        return Output(results: results, batchItemFailures: failures)
    }

    func run(_ scan: UUID, session: ServiceSession, context: LambdaContext) async throws -> Output.Result {
        switch try await runner.run(scan: scan, session: session, logger: context.logger) {
        case .skipped(let status):
            context.logger.info("scan not queued; nothing to do", metadata: ["scan": "\(scan)", "status": "\(status ?? "none")"])
            return .init(scan_id: scan, outcome: "skipped", status: status)
        case .finished(let status, _, _):
            return .init(scan_id: scan, outcome: "finished", status: status)
        case .abandoned(let reason):
            context.logger.warning("scan abandoned", metadata: ["scan": "\(scan)", "reason": "\(reason)"])
            return .init(scan_id: scan, outcome: "abandoned", status: nil)
        }
    }
}
