import Foundation

/// Runs `zcp exec`'s command as a child with the given environment and waits for it. Ctrl-C
/// reaches the child from the terminal (the CLI itself waits it out, so Terraform can stop
/// cleanly); TERM and HUP sent to the CLI are passed on. The exit status is the child's (128 +
/// the signal when a signal ended it).
public enum ChildCommand {
    nonisolated(unsafe) static var child: pid_t = 0

    public static func run(_ arguments: [String], environment: [String: String]) throws(CLIError) -> Int32 {
        guard let name = arguments.first else { throw .usage("give the command to run after --, e.g. zcp exec --identity prod -- aws s3 ls") }
        let path = name.contains("/") ? name : SystemKeyring.executable(named: name, path: environment["PATH"] ?? "/usr/bin:/bin")
        guard let path, FileManager.default.isExecutableFile(atPath: path) else { throw .failure("\(name): command not found") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = Array(arguments.dropFirst())
        process.environment = environment
        // A handler (unlike SIG_IGN) is reset to the default in the child, so the child still
        // stops on Ctrl-C while the CLI waits for it.
        signal(SIGINT) { _ in }
        signal(SIGQUIT) { _ in }
        signal(SIGTERM) { received in if ChildCommand.child > 0 { kill(ChildCommand.child, received) } }
        signal(SIGHUP) { received in if ChildCommand.child > 0 { kill(ChildCommand.child, received) } }
        do { try process.run() } catch { throw .failure("cannot run \(name): \(error.localizedDescription)") }
        child = process.processIdentifier
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }
}
