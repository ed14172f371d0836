import CloudAccess
import Database
import Domain
import Foundation
import Logging
import Runtime
import Synchronization

/// One Terraform run, start to finish: claim it (a run happens once however often its event
/// arrives), take the stack's lock when it will change the account, get one-hour provisioning
/// credentials for the identity (`AWSAccess`, audited with the run), fetch the configuration into
/// a fresh folder, `terraform init`, `plan -out`, and for `apply`/`destroy` apply exactly that
/// plan; keep the state, the plan's summary and the log (credentials redacted); delete the
/// folder. Credentials reach Terraform through its environment only — never the database, the
/// log or a file.
public struct TerraformRunner: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Not queued (already taken, finished or cancelled), or no such run.
        case skipped(status: String?)
        case finished(status: String)
    }

    let access: AWSAccess
    let store: TerraformStateStore
    let sources: RunSources
    let terraform: String
    let providerMirror: String?
    let temporary: String
    let region: String
    let passedThrough: [String: String]
    let timeout: Duration
    let grace: Duration
    let lockWait: Duration
    let check: Duration
    /// A `running` run quiet for this long was left by a runner that died: another event may take it.
    static let takeoverAfterMinutes = 20

    public init(environment: Environment, sources: RunSources) throws {
        ProcessGroup.shieldThisProcess()
        access = try AWSAccess(environment: environment)
        store = TerraformStateStore(seal: try TerraformStateSeal(configuration: try environment.required("TERRAFORM_STATE_KEYS")))
        self.sources = sources
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        guard let terraform = environment["TERRAFORM_PATH"] ?? Self.find("terraform", in: path) else {
            throw ConfigurationError(message: "terraform was not found: set TERRAFORM_PATH or put it on PATH (on Lambda, a layer's /opt/bin)")
        }
        self.terraform = terraform
        providerMirror = environment["TERRAFORM_PROVIDER_MIRROR"]
        temporary = environment["TMPDIR"] ?? "/tmp"
        region = environment["AWS_REGION"] ?? "us-east-1"
        // The local AWS emulator's endpoints, and where the CA bundle is; never the runner's own credentials.
        var passed = ["PATH": path]
        for (name, value) in ProcessInfo.processInfo.environment where name.hasPrefix("AWS_ENDPOINT_URL") || name == "SSL_CERT_FILE" {
            passed[name] = value
        }
        passedThrough = passed
        let seconds = { (name: String, fallback: Int, range: ClosedRange<Int>) in
            Duration.seconds(min(range.upperBound, max(range.lowerBound, environment[name].flatMap(Int.init) ?? fallback)))
        }
        timeout = seconds("RUN_TIMEOUT_SECONDS", 840, 10...86_400)
        grace = seconds("RUN_INTERRUPT_GRACE_SECONDS", 30, 1...600)
        lockWait = seconds("RUN_LOCK_WAIT_SECONDS", 300, 0...3600)
        check = .milliseconds(min(60_000, max(100, environment["RUN_CANCELLATION_CHECK_MILLISECONDS"].flatMap(Int.init) ?? 2000)))
    }

    public func run(_ runID: UUID, session: some DatabaseSession, logger: Logger) async throws -> Outcome {
        guard let row = try await claim(runID, session: session) else {
            let status: String? = try await session.query("SELECT status FROM public.terraform_runs WHERE id = $1", runID).first?["status"]
            return .skipped(status: status)
        }
        let run = try ClaimedRun(id: runID, row: row)
        let log = RunLog(run: runID, workspace: run.workspace)
        let directory = try RunDirectory.make(run: runID, temporary: temporary)
        defer { directory.remove() }
        logger.info("terraform run started", metadata: ["run": "\(runID)", "command": "\(run.command.rawValue)", "stack": "\(run.stack)"])

        let stop = StopSignal()
        let result: RunResult = await withTaskGroup(of: RunResult?.self) { group in
            group.addTask { await perform(run, directory: directory, log: log, stop: stop, session: session, logger: logger) }
            group.addTask { await watch(run, stop: stop, log: log, session: session); return nil }
            var result = RunResult.failed(exitCode: nil, error: "the run ended without a result")
            while let next = await group.next() {
                if let next {
                    result = next
                    group.cancelAll()
                }
            }
            return result
        }
        log.note("run \(result.status): \(result.error ?? "done")")
        try? await log.flush(session: session, final: true)
        _ = try await session.batch([
            Statement("""
                UPDATE public.terraform_runs SET status = $2, exit_code = $3, error = $4, finished_at = now()
                WHERE id = $1 AND status = 'running'
                """, runID, result.status, result.exitCode.map { Int($0) }, result.error),
            Statement("""
                UPDATE public.terraform_states SET lock_id = NULL, lock_info = NULL, locked_at = NULL
                WHERE organization_id = $1 AND stack = $2 AND lock_id = $3
                """, run.workspace, run.stack.name, runID.uuidString.lowercased()),
        ])
        logger.info("terraform run finished", metadata: ["run": "\(runID)", "status": "\(result.status)"])
        return .finished(status: result.status)
    }

    enum RunResult: Sendable {
        case succeeded
        case failed(exitCode: Int32?, error: String)
        case cancelled(String)

        var status: String {
            switch self {
            case .succeeded: "succeeded"
            case .failed: "failed"
            case .cancelled: "cancelled"
            }
        }
        var exitCode: Int32? {
            switch self {
            case .succeeded: 0
            case .failed(let code, _): code
            case .cancelled: nil
            }
        }
        var error: String? {
            switch self {
            case .succeeded: nil
            case .failed(_, let error), .cancelled(let error): error
            }
        }
    }

    private func perform(_ run: ClaimedRun, directory: RunDirectory, log: RunLog, stop: StopSignal, session: some DatabaseSession, logger: Logger) async -> RunResult {
        do {
            log.note("terraform \(run.command.rawValue) of stack \(run.stack) in workspace \(run.workspace.uuidString.lowercased()), run \(run.id.uuidString.lowercased())")
            let configuration = try await sources.fetch(run, into: directory, log: log, grace: grace, stop: stop, session: session)

            let issued: AWSAccess.Issued
            do throws(AWSAccessRefusal) {
                issued = try await access.credentials(for: run.identity, purpose: .provisioning, requester: .system("run-terraform"), session: session, run: run.id)
            } catch {
                return .failed(exitCode: nil, error: Self.reason(error))
            }
            log.redact([issued.credentials.accessKeyID, issued.credentials.secretAccessKey, issued.credentials.sessionToken].compactMap { $0 })
            log.note("assumed \(issued.roleARN) as \(issued.sessionName) until \(issued.expiration.formatted(.iso8601))")

            if run.command.changesInfrastructure {
                if let refusal = try await takeLock(run, log: log, stop: stop, session: session) { return refusal }
            }
            try directory.write(state: try await store.read(workspace: run.workspace, stack: run.stack, session: session))
            try directory.pinLocalBackend(in: configuration)
            try directory.writeCLIConfiguration(providerMirror: providerMirror)
            try directory.write(variables: run.variables)

            let process = ProcessGroup(executable: terraform, terraformDirectory: configuration, environment: environment(directory, issued), grace: grace)
            let step = { (arguments: [String]) async throws -> ProcessGroup.Ending in
                log.note("$ terraform " + arguments.joined(separator: " "))
                let ending = try await process.run(arguments, output: { log.append($0) }, stop: { stop.reason != nil })
                // The command's output is complete: no secret can be split across what comes next.
                try? await log.flush(session: session, final: true)
                return ending
            }
            var plan = ["plan", "-input=false", "-no-color", "-out=\(directory.plan)", "-var-file=\(directory.variables)"]
            if run.command == .destroy { plan.append("-destroy") }
            for arguments in [["init", "-input=false", "-no-color"], plan] {
                if let ended = outcome(of: try await step(arguments), step: arguments[0], stop: stop, log: log) { return ended }
            }
            let summary = try await summarize(process: process, directory: directory, stop: stop)
            if let summary {
                _ = try await session.query("UPDATE public.terraform_runs SET plan_summary = $2::jsonb WHERE id = $1", run.id, try JSONText(encoding: summary))
                log.note("plan: \(summary.add) to add, \(summary.change) to change, \(summary.destroy) to destroy")
            }
            guard run.command.changesInfrastructure else { return .succeeded }

            let applied = try await step(["apply", "-input=false", "-no-color", "-auto-approve", directory.plan])
            // Whatever happened, what Terraform recorded is kept: a half-done apply's state matters most.
            if let state = directory.readState() {
                _ = try await store.write(state, workspace: run.workspace, stack: run.stack, lockID: run.id.uuidString.lowercased(), by: run.requestedBy, session: session)
            }
            return outcome(of: applied, step: "apply", stop: stop, log: log) ?? .succeeded
        } catch {
            logger.error("terraform run failed", metadata: ["run": "\(run.id)", "error": "\(error)"])
            return .failed(exitCode: nil, error: "the run could not be carried out: \(error)")
        }
    }

    /// nil when the step succeeded; else how the run ends.
    private func outcome(of ending: ProcessGroup.Ending, step: String, stop: StopSignal, log: RunLog) -> RunResult? {
        switch ending {
        case .exited(0): return nil
        case .exited(let status):
            return .failed(exitCode: status, error: "terraform \(step) failed (exit status \(status))" + (log.error.map { ": \($0)" } ?? ""))
        case .interrupted(let status):
            switch stop.reason {
            case .cancelled?, nil: return .cancelled("cancelled during terraform \(step)")
            case .revoked(let reason)?: return .failed(exitCode: status, error: "stopped during terraform \(step): the cloud identity was revoked (\(reason))")
            case .timedOut?: return .failed(exitCode: status, error: "stopped during terraform \(step): the run took longer than \(timeout.components.seconds) s")
            }
        }
    }

    /// `terraform show -json` of the plan, read here and never logged (it holds every value).
    private func summarize(process: ProcessGroup, directory: RunDirectory, stop: StopSignal) async throws -> PlanSummary? {
        let collected = Mutex<[UInt8]>([])
        let ending = try await process.run(["show", "-json", "-no-color", directory.plan], output: { bytes in collected.withLock { $0 += bytes } },
                                           stop: { stop.reason != nil })
        guard ending == .exited(0) else { return nil }
        return PlanSummary(showJSON: collected.withLock { $0 })
    }

    /// Waits for the stack's lock (another apply of it is running) up to `lockWait`; a refusal when it does not come.
    private func takeLock(_ run: ClaimedRun, log: RunLog, stop: StopSignal, session: some DatabaseSession) async throws -> RunResult? {
        let info = try JSONText(encoding: [
            "ID": run.id.uuidString.lowercased(), "Operation": "OperationTypeApply", "Who": "zcp run \(run.id.uuidString.lowercased())",
            "Version": "", "Created": Date().formatted(.iso8601), "Path": "", "Info": "a \(run.command.rawValue) run of the platform",
        ])
        let deadline = ContinuousClock.now + lockWait
        var announced = false
        while true {
            switch try await store.lock(workspace: run.workspace, stack: run.stack, id: run.id.uuidString.lowercased(), info: info, session: session) {
            case .done:
                _ = try await session.query("UPDATE public.terraform_runs SET locked_at = clock_timestamp() WHERE id = $1", run.id)
                return nil
            case .locked(let holder):
                if stop.reason != nil { return .cancelled("cancelled while waiting for the stack's lock") }
                if ContinuousClock.now >= deadline {
                    return .failed(exitCode: nil, error: "the stack \(run.stack) is locked by \(holder.id) (\(holder.info.text)); try again when it is released")
                }
                if !announced {
                    log.note("waiting for the stack's lock, held by \(holder.id)")
                    try? await log.flush(session: session)
                    announced = true
                }
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Watches for a cancellation, the identity's revocation and the deadline, and writes the
    /// log as it comes, until cancelled.
    private func watch(_ run: ClaimedRun, stop: StopSignal, log: RunLog, session: some DatabaseSession) async {
        let deadline = ContinuousClock.now + timeout
        while !Task.isCancelled {
            try? await log.flush(session: session)
            if ContinuousClock.now >= deadline { stop.set(.timedOut) }
            if let row = try? await session.query("""
                SELECT r.cancel_requested_at IS NOT NULL AS cancel, c.status, c.status_reason
                FROM public.terraform_runs r JOIN public.cloud_identities c ON c.id = r.cloud_identity_id WHERE r.id = $1
                """, run.id).first {
                if (try? row["cancel"] as Bool) == true { stop.set(.cancelled) }
                if let status: String = try? row["status"], status != "active" {
                    stop.set(.revoked((try? row["status_reason"] as String?) ?? nil ?? status))
                }
            }
            try? await Task.sleep(for: check)
        }
    }

    private func environment(_ directory: RunDirectory, _ issued: AWSAccess.Issued) -> [String: String] {
        var environment = passedThrough
        environment["HOME"] = directory.home
        environment["TMPDIR"] = directory.root
        environment["TF_IN_AUTOMATION"] = "1"
        environment["TF_INPUT"] = "0"
        environment["CHECKPOINT_DISABLE"] = "1"
        environment["TF_CLI_CONFIG_FILE"] = directory.cliConfiguration
        environment["AWS_ACCESS_KEY_ID"] = issued.credentials.accessKeyID
        environment["AWS_SECRET_ACCESS_KEY"] = issued.credentials.secretAccessKey
        environment["AWS_SESSION_TOKEN"] = issued.credentials.sessionToken
        environment["AWS_REGION"] = region
        environment["AWS_DEFAULT_REGION"] = region
        // Nothing but the run's credentials: no shared files, no instance or container metadata
        // (on Lambda that would be the platform's own role).
        environment["AWS_CONFIG_FILE"] = "/dev/null"
        environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        environment["AWS_EC2_METADATA_DISABLED"] = "true"
        return environment
    }

    private func claim(_ runID: UUID, session: some DatabaseSession) async throws -> Row? {
        try await session.query("""
            UPDATE public.terraform_runs SET status = 'running', started_at = now(), finished_at = NULL, error = NULL
            WHERE id = $1 AND (status = 'queued' OR (status = 'running' AND started_at < now() - make_interval(mins => $2)))
            RETURNING organization_id, cloud_identity_id, stack, command, source, source_files, variables, requested_by
            """, runID, Self.takeoverAfterMinutes).first
    }

    static func reason(_ refusal: AWSAccessRefusal) -> String {
        switch refusal {
        case .notFound, .viewerOnly: "the cloud identity no longer exists"
        case .adminsOnly: "provisioning credentials are for the workspace's owners and admins"
        case .wrongPurpose(let why): why
        case .notActive(let status, let why): "the cloud identity is \(status)\(why.map { ": \($0)" } ?? "")"
        case .accessLost(let why): why
        case .aws(let error): "AWS could not be reached: \(error.code)"
        case .database(let error): "the database failed: \(error)"
        }
    }

    static func find(_ program: String, in path: String) -> String? {
        path.split(separator: ":").map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// Why a run is being stopped, set by the watcher and read by the step that is running.
final class StopSignal: Sendable {
    enum Reason: Sendable, Equatable {
        case cancelled
        case revoked(String)
        case timedOut
    }

    private let state = Mutex<Reason?>(nil)
    var reason: Reason? { state.withLock { $0 } }
    func set(_ reason: Reason) { state.withLock { if $0 == nil { $0 = reason } } }
}
