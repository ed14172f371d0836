import ArgumentParser
import Foundation
import Gateway
import Logging
import Runtime

@main
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Runs every function of the deployment template locally: HTTP API, schedules and the Lambda Runtime API.")

    @Option(help: "The SAM template that lists the functions, routes and schedules.")
    var template = "infra/template.yaml"

    @Option(help: "Address to serve the HTTP API on.")
    var host = ProcessInfo.processInfo.environment["GATEWAY_HOST"] ?? "127.0.0.1"

    @Option(help: "Port to serve the HTTP API on (0: any free port).")
    var port = Int(ProcessInfo.processInfo.environment["GATEWAY_PORT"] ?? "") ?? 3000

    @Option(help: "Directory with the built function executables.")
    var buildDirectory = ".build/debug"

    @Option(help: "Processes per function (like Lambda concurrency).")
    var concurrency = Int(ProcessInfo.processInfo.environment["GATEWAY_CONCURRENCY"] ?? "") ?? 2

    @Option(help: "Fire every schedule this many seconds apart instead of its own rate.")
    var scheduleEvery: Int?

    func validate() throws {
        guard concurrency >= 1 else { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() async throws {
        unblockTerminationSignals()
        let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: level) }
        var logger = Logger(label: "gateway")
        logger[metadataKey: "function"] = "gateway"
        var configuration = Gateway.Configuration(buildDirectory: buildDirectory)
        configuration.host = host
        configuration.port = port
        configuration.concurrency = concurrency
        configuration.scheduleIntervalOverride = scheduleEvery.map { .seconds($0) }
        let functions = try Template.load(path: template)
        try await Gateway(functions: functions, configuration: configuration, logger: logger).run()
    }
}
