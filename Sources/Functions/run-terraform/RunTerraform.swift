import Database
import DatabaseService
import FoundationEssentials
import Runtime
import TerraformRuns
import WorkQueue

/// Runs queued Terraform runs (system function, service session). Its event is a run id —
/// directly (`{"run_id": "…"}`, the local gateway's asynchronous invoke) or in an SQS batch —
/// and a run happens once however many times its event arrives.
struct RunTerraform: LambdaHandler {
    enum Run: WorkItemKind { static let key = "run_id" }

    let database: Database
    let runner: TerraformRunner

    init(context: InitContext) async throws {
        database = try Database(environment: context.environment, applicationName: context.functionName)
        runner = try TerraformRunner(environment: context.environment, sources: try RunSources(environment: context.environment))
    }

    func handle(_ event: WorkBatch<Run>, context: LambdaContext) async throws -> WorkBatch<Run>.Report {
        let session = ServiceSession(database: database)
        return try await event.process(logger: context.logger) { id in
            switch try await runner.run(id, session: session, logger: context.logger) {
            case .skipped(let status):
                context.logger.info("run not queued; nothing to do", metadata: ["run": "\(id)", "status": "\(status ?? "none")"])
                return .init(id: id, outcome: "skipped", status: status)
            case .finished(let status):
                return .init(id: id, outcome: "finished", status: status)
            }
        }
    }
}
