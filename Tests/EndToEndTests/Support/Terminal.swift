import Foundation

/// A terminal a person types into: a tmux session of its own (`-L` socket), running one command.
/// tmux is run through posix_spawn and waitpid rather than `Process`: its client exits at once
/// after forking the server, faster than Foundation registers the child, which then waits forever.
final class Terminal: @unchecked Sendable {
    let socket = "zcp-\(UUID().uuidString.prefix(8))"

    init(command: String, width: Int = 250) throws {
        guard try tmux(["new-session", "-d", "-x", String(width), "-y", "50", command]).status == 0 else { throw CocoaError(.executableLoad) }
    }

    deinit { _ = try? tmux(["kill-server"]) }

    /// What is on the screen now (wrapped lines joined).
    var screen: String { (try? tmux(["capture-pane", "-p", "-J"]).output) ?? "" }

    func type(_ text: String) throws { _ = try tmux(["send-keys", text, "Enter"]) }

    private func tmux(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let outputFile = NSTemporaryDirectory() + "tmux-\(UUID().uuidString).out"
        defer { unlink(outputFile) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = (["tmux", "-L", socket] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/usr/bin/tmux", &actions, nil, argv, environ) == 0 else { throw CocoaError(.executableLoad) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let output = (try? String(contentsOfFile: outputFile, encoding: .utf8)) ?? ""
        return ((status >> 8) & 0xff, output)
    }
}
