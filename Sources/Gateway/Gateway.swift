import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// The local stand-in for API Gateway, EventBridge schedules and the Lambda service: serves the
/// template's HTTP routes on `host:port`, runs `concurrency` processes of every function, each
/// behind its own Runtime API, and stops them all on SIGINT / SIGTERM.
public struct Gateway: Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        /// 0 picks a free port; the chosen one is printed when the gateway is ready.
        public var port = 3000
        /// Where the function executables are (`.build/debug`).
        public var buildDirectory: String
        /// Processes per function, like reserved concurrency.
        public var concurrency = 2
        public var scheduleIntervalOverride: Duration?

        public init(buildDirectory: String) { self.buildDirectory = buildDirectory }
    }

    let functions: [FunctionDefinition]
    let configuration: Configuration
    let logger: Logger

    public init(functions: [FunctionDefinition], configuration: Configuration, logger: Logger) {
        self.functions = functions
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        let supervisor = ProcessSupervisor(
            buildDirectory: configuration.buildDirectory, environment: ProcessInfo.processInfo.environment, logger: logger)
        let pools = functions.map { definition in
            (definition: definition, pool: FunctionPool(definition: definition, slotCount: configuration.concurrency) { slot in
                Task { await supervisor.kill(function: definition, slot: slot) }
            })
        }

        var quiet = logger
        quiet.logLevel = .warning
        var services: [any Service] = []
        for (definition, pool) in pools {
            for slot in 0..<configuration.concurrency {
                let responder = RuntimeAPIResponder(
                    pool: pool, slot: slot, functionARN: "arn:aws:lambda:us-east-1:000000000000:function:\(definition.executable)")
                services.append(Application(
                    responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                    onServerRunning: { channel in
                        await supervisor.slotListening(definition: definition, index: slot, pool: pool, port: channel.localAddress?.port ?? 0)
                    },
                    logger: quiet))
            }
        }
        let host = configuration.host
        let announce = logger
        let functionCount = functions.count
        services.append(Application(
            responder: HTTPFront(routes: RouteTable(functions), pools: pools,
                                 localSignIn: try await LocalSignIn.fromEnvironment(ProcessInfo.processInfo.environment)),
            configuration: .init(address: .hostname(host, port: configuration.port)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                await supervisor.gatewayListening(url: "http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(port)")
                announce.info("gateway listening", metadata: ["url": "http://\(host):\(port)", "functions": "\(functionCount)"])
                // Scripts and tests wait for this line (and read the port from it when --port 0).
                FileHandle.standardOutput.write(Data("gateway listening on http://\(host):\(port)\n".utf8))
            },
            logger: quiet))
        services.append(ChildProcesses(supervisor: supervisor))
        services.append(ScheduleService(scheduler: Scheduler(pools: pools, intervalOverride: configuration.scheduleIntervalOverride, logger: logger)))

        var groupConfiguration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: quiet)
        // A stuck connection must not keep a stopped gateway alive.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(10)
        groupConfiguration.maximumCancellationDuration = .seconds(2)
        let group = ServiceGroup(configuration: groupConfiguration)
        try await group.run()
    }
}

/// Stops every function process when the gateway shuts down (it is the first service stopped).
private struct ChildProcesses: Service {
    let supervisor: ProcessSupervisor

    func run() async throws {
        try? await gracefulShutdown()
        await supervisor.stopAll()
    }
}

private struct ScheduleService: Service {
    let scheduler: Scheduler

    func run() async throws {
        await cancelWhenGracefulShutdown { await scheduler.run() }
        // With no schedules the scheduler returns at once; a service that returns stops the group.
        try? await gracefulShutdown()
    }
}
