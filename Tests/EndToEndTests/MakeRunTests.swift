import Foundation
import Testing

/// What `make run` shows a newcomer once the platform is up (scripts/serve.sh, inside the
/// services make test has started): the whole text, no shell error in it, and its first commands
/// work when pasted.
@Suite struct MakeRunTests {
    @Test func theNextStepsArePrintedWholeAndTheirCommandsWork() throws {
        let port = try freeLoopbackPort()
        let serve = Process()
        // As from a terminal: signals unblocked and SIGINT at its default (this test process
        // blocks and ignores it, a child inherits both, and a shell cannot trap a signal that was
        // ignored when it started).
        serve.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        serve.arguments = ["python3", "-c", """
            import os, signal
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.execv('/bin/bash', ['bash', 'scripts/serve.sh'])
            """]
        serve.environment = ProcessInfo.processInfo.environment.merging(["GATEWAY_PORT": "\(port)"]) { $1 }
        let errors = Pipe()
        serve.standardError = errors
        serve.standardOutput = FileHandle.nullDevice
        try serve.run()
        // TERM: serve.sh stops its gateway first (a SIGKILL would leave the gateway behind).
        defer { if serve.isRunning { kill(serve.processIdentifier, SIGTERM); serve.waitUntilExit() } }

        var printed = Data()
        while !String(decoding: printed, as: UTF8.self).contains("Ctrl-C stops everything.") {
            let more = errors.fileHandleForReading.availableData
            if more.isEmpty { break }  // serve.sh ended
            printed += more
        }
        let text = String(decoding: printed, as: UTF8.self)
        #expect(text.contains("Ctrl-C stops everything."), "\(text)")
        #expect(!text.contains("serve.sh: line"), "a shell error in what make run prints:\n\(text)")
        #expect(text.contains("The platform is up on http://127.0.0.1:\(port)"))
        #expect(text.contains(#""source":{"archive":"$(tar czf - -C <folder> . | base64 -w0)"}"#), "\(text)")

        // The sign-in and the workspace, pasted as printed.
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let signIn = try #require(lines.firstIndex { $0.hasPrefix("TOKEN=$(curl") })
        let createWorkspace = try #require(lines.first { $0.contains("/api/workspaces") })
        let pasted = lines[signIn] + "\n" + lines[signIn + 1] + "\n" + createWorkspace
        let result = try runProgram("/bin/bash", arguments: ["-c", "set -eu\n" + pasted])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.contains(#""name":"Acme""#), "\(result.standardOutput)")

        // Ctrl-C stops it, the gateway included (which, started with & by a script, ignores SIGINT itself).
        let gateway = try #require(pgrep(parent: serve.processIdentifier))
        kill(serve.processIdentifier, SIGINT)
        serve.waitUntilExit()
        #expect(serve.terminationStatus == 130)
        #expect(kill(gateway, 0) == -1 && errno == ESRCH, "the gateway is gone")
    }

    /// The child of a process (serve.sh's gateway).
    func pgrep(parent: Int32) -> pid_t? {
        let children = try? String(contentsOfFile: "/proc/\(parent)/task/\(parent)/children", encoding: .utf8)
        return children?.split(separator: " ").first.flatMap { pid_t($0) }
    }
}
