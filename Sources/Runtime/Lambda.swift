#if canImport(Glibc)
import Glibc
#endif
import Logging

/// The entry point: a function's `main.swift` is `await Lambda.run(MyHandler.self)`.
///
/// With `AWS_LAMBDA_RUNTIME_API` set (on Lambda and under the local gateway) it serves events
/// from the Runtime API until the process is stopped. Without it, it runs the handler once on
/// the event from `--event FILE` or standard input, prints the output to standard output and
/// exits 0, or prints the error JSON and exits 1.
public enum Lambda {
    public static func run<Handler: LambdaHandler>(_ handler: Handler.Type) async -> Never {
        unblockTerminationSignals()
        let environment = Environment()
        let functionName = environment["AWS_LAMBDA_FUNCTION_NAME"] ?? executableName()
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: logLevel(environment)) }
        var logger = Logger(label: functionName)
        logger[metadataKey: "function"] = "\(functionName)"
        let initContext = InitContext(functionName: functionName, logger: logger, environment: environment)

        if let endpoint = environment["AWS_LAMBDA_RUNTIME_API"] {
            await RuntimeLoop<Handler>(client: RuntimeAPIClient(endpoint: endpoint), initContext: initContext).run()
        } else {
            await LocalInvoke<Handler>(initContext: initContext).run(arguments: Array(CommandLine.arguments.dropFirst()))
        }
    }

    static func executableName() -> String {
        CommandLine.arguments.first.flatMap { $0.split(separator: "/").last.map(String.init) } ?? "function"
    }

    static func logLevel(_ environment: Environment) -> Logger.Level {
        let name = (environment["AWS_LAMBDA_LOG_LEVEL"] ?? environment["LOG_LEVEL"])?.lowercased()
        return name.flatMap(Logger.Level.init(rawValue:)) ?? .info
    }
}

/// A process spawned from a thread that blocks signals (dispatch's worker threads do) inherits
/// that mask; SIGTERM and SIGINT must reach us for the platform to stop us cleanly.
public func unblockTerminationSignals() {
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGTERM)
    sigaddset(&signals, SIGINT)
    sigprocmask(SIG_UNBLOCK, &signals, nil)
}
