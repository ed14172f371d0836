import Database
import DatabaseService
import FoundationEssentials
import Runtime
import TerraformRuns

/// Runs queued Terraform runs (system function, service session). Its event is a run id —
/// directly (`{"run_id": "…"}`, the local gateway's asynchronous invoke) or in an SQS batch —
/// and a run happens once however many times its event arrives. For SQS it answers which
/// messages failed, so only those come back.
struct RunTerraform: LambdaHandler {
    struct Event: Decodable, Sendable {
        struct Record: Decodable, Sendable {
            let messageId: String
            let body: String
        }
        let run_id: UUID?
        let Records: [Record]?
    }

    struct Output: Encodable, Sendable {
        struct Failure: Encodable, Sendable { let itemIdentifier: String }
        struct Result: Encodable, Sendable {
            let run_id: UUID
            let outcome: String
            let status: String?
        }
        let results: [Result]
        let batchItemFailures: [Failure]
    }

    struct Message: Decodable { let run_id: UUID }

    let database: Database
    let runner: TerraformRunner

    init(context: InitContext) async throws {
        database = try Database(environment: context.environment, applicationName: context.functionName)
        runner = try TerraformRunner(environment: context.environment, sources: RunSources())
    }

    func handle(_ event: Event, context: LambdaContext) async throws -> Output {
        let session = ServiceSession(database: database)
        if let id = event.run_id {
            return Output(results: [try await run(id, session: session, context: context)], batchItemFailures: [])
        }
        var results: [Output.Result] = [], failures: [Output.Failure] = []
        for record in event.Records ?? [] {
            do {
                let message = try JSONDecoder().decode(Message.self, from: Data(record.body.utf8))
                results.append(try await run(message.run_id, session: session, context: context))
            } catch {
                context.logger.error("run message failed", metadata: ["messageId": "\(record.messageId)", "error": "\(error)"])
                failures.append(.init(itemIdentifier: record.messageId))
            }
        }
        return Output(results: results, batchItemFailures: failures)
    }

    func run(_ id: UUID, session: ServiceSession, context: LambdaContext) async throws -> Output.Result {
        switch try await runner.run(id, session: session, logger: context.logger) {
        case .skipped(let status):
            context.logger.info("run not queued; nothing to do", metadata: ["run": "\(id)", "status": "\(status ?? "none")"])
            return .init(run_id: id, outcome: "skipped", status: status)
        case .finished(let status):
            return .init(run_id: id, outcome: "finished", status: status)
        }
    }
}
