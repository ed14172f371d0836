import Foundation
import Logging

/// Runs each function slot's process: starts it once the slot's Runtime API listens, restarts it
/// when it exits (with a growing pause while it keeps dying young), kills it on a timeout, and
/// stops every process when the gateway stops.
actor ProcessSupervisor {
    struct Slot {
        let definition: FunctionDefinition
        let index: Int
        let pool: FunctionPool
        var port: Int
        var process: Process?
        var startedAt = Date()
        var restartDelay: Duration = .milliseconds(50)
    }

    private let buildDirectory: String
    private let environment: [String: String]
    private let logger: Logger
    private var slots: [String: Slot] = [:]
    private var stopping = false
    /// The gateway's own URL, which functions reach the Lambda Invoke API at (asynchronous
    /// invokes between functions); slots wait for it before their processes start.
    private var gatewayURL: String?
    private var waiting: [String] = []

    init(buildDirectory: String, environment: [String: String], logger: Logger) {
        self.buildDirectory = buildDirectory
        self.environment = environment
        self.logger = logger
    }

    static func key(_ function: FunctionDefinition, _ slot: Int) -> String { "\(function.logicalID)#\(slot)" }

    /// The slot's Runtime API is listening on `port`: start its process.
    func slotListening(definition: FunctionDefinition, index: Int, pool: FunctionPool, port: Int) async {
        let key = Self.key(definition, index)
        slots[key] = Slot(definition: definition, index: index, pool: pool, port: port)
        if gatewayURL == nil { waiting.append(key) } else { await start(key) }
    }

    /// The gateway's front listens at `url`: start the processes that waited for it.
    func gatewayListening(url: String) async {
        gatewayURL = url
        let ready = waiting
        waiting = []
        for key in ready { await start(key) }
    }

    func kill(function: FunctionDefinition, slot: Int) {
        guard let process = slots[Self.key(function, slot)]?.process, process.isRunning else { return }
        logger.warning("killing a process that passed its timeout", metadata: ["function": "\(function.logicalID)", "slot": "\(slot)"])
        Foundation.kill(process.processIdentifier, SIGKILL)
    }

    /// Stops every process: SIGTERM, then SIGKILL for any still running after `grace`.
    func stopAll(grace: Duration = .seconds(3)) async {
        stopping = true
        let running = slots.values.compactMap(\.process).filter(\.isRunning)
        running.forEach { $0.terminate() }
        let deadline = ContinuousClock.now + grace
        while running.contains(where: \.isRunning), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        running.filter(\.isRunning).forEach { Foundation.kill($0.processIdentifier, SIGKILL) }
        for slot in slots.values where slot.index == 0 { await slot.pool.close() }
    }

    private func start(_ key: String) async {
        guard !stopping, var slot = slots[key] else { return }
        // Before the process runs, so its first `next` finds the slot live.
        await slot.pool.processStarted(slot: slot.index)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: buildDirectory).appendingPathComponent(slot.definition.executable)
        process.environment = childEnvironment(slot)
        process.terminationHandler = { [weak self] finished in
            let status = finished.terminationReason == .uncaughtSignal
                ? "killed by signal \(finished.terminationStatus)" : "exited with status \(finished.terminationStatus)"
            Task { await self?.exited(key, status: status) }
        }
        do {
            try process.run()
        } catch {
            logger.error("cannot start function process", metadata: ["function": "\(slot.definition.logicalID)", "error": "\(error)"])
            Task { await self.exited(key, status: "could not start: \(error)") }
            return
        }
        slot.process = process
        slot.startedAt = Date()
        slots[key] = slot
    }

    private func exited(_ key: String, status: String) async {
        guard var slot = slots[key] else { return }
        await slot.pool.processExited(slot: slot.index, status: status)
        guard !stopping else { return }
        // A process that lived a while restarts at once; one that keeps dying young waits longer each time.
        slot.restartDelay = Date().timeIntervalSince(slot.startedAt) > 2 ? .milliseconds(50) : min(slot.restartDelay * 2, .seconds(5))
        slots[key] = slot
        logger.warning("function process ended; restarting", metadata: ["function": "\(slot.definition.logicalID)", "slot": "\(slot.index)", "status": "\(status)"])
        try? await Task.sleep(for: slot.restartDelay)
        await start(key)
    }

    private func childEnvironment(_ slot: Slot) -> [String: String] {
        var variables = slot.definition.environment.merging(environment) { $1 }
        variables["AWS_LAMBDA_RUNTIME_API"] = "127.0.0.1:\(slot.port)"
        variables["AWS_ENDPOINT_URL_LAMBDA"] = variables["AWS_ENDPOINT_URL_LAMBDA"] ?? gatewayURL
        variables["AWS_LAMBDA_FUNCTION_NAME"] = slot.definition.executable
        variables["AWS_LAMBDA_FUNCTION_TIMEOUT"] = String(slot.definition.timeoutSeconds)
        variables["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = String(slot.definition.memoryMegabytes)
        variables["AWS_REGION"] = variables["AWS_REGION"] ?? "us-east-1"
        return variables
    }
}
