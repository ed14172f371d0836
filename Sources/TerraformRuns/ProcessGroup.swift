import CProcess
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One command (Terraform, git) as a child process in a process group of its own: its output
/// (stdout and stderr together, in order) goes to `output` as it comes; when `stop` says so the
/// group is interrupted the way Ctrl-C at a terminal would (SIGINT to the command and everything
/// it started, such as a provisioner's command), so Terraform finishes or abandons the current
/// operation cleanly and writes its state; the group is killed only if it has not ended `grace` later.
struct ProcessGroup {
    let executable: String
    /// Terraform's `-chdir`, put before the arguments (posix_spawn's chdir action is not in
    /// Glibc's Swift interface); nil for commands that take their folders as arguments.
    let terraformDirectory: String?
    let environment: [String: String]
    let grace: Duration

    enum Ending: Sendable, Equatable {
        case exited(Int32)
        /// Stopped on request: exited after SIGINT (with its status), or killed (nil).
        case interrupted(exitStatus: Int32?)
    }

    /// Marks every open descriptor above standard error close-on-exec (libpq's and libcurl's
    /// sockets among them), so a child starts with its standard streams and nothing else.
    static func closeDescriptorsOnExec() {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for descriptor in entries.compactMap({ Int32($0) }) where descriptor > 2 {
            let flags = fcntl(descriptor, F_GETFD)
            if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    /// Makes this process non-dumpable: its `/proc/<pid>/environ` and memory are then closed to
    /// other processes of the same user (without CAP_SYS_PTRACE), so a command the configuration
    /// runs cannot read the runner's own secrets (its database URL, its keys, its AWS role).
    static func shieldThisProcess() {
        _ = cprocess_set_nondumpable()
    }

    struct SpawnError: Error, CustomStringConvertible {
        let code: Int32
        var description: String { "terraform could not be started: \(String(cString: strerror(code)))" }
    }

    func run(_ arguments: [String], output: @escaping @Sendable ([UInt8]) -> Void, stop: @escaping @Sendable () -> Bool) async throws -> Ending {
        // The configuration may run commands of its own (local-exec): none may inherit the
        // runner's database connection or any other open descriptor.
        Self.closeDescriptorsOnExec()
        var pipe: [Int32] = [0, 0]
        guard Glibc.pipe(&pipe) == 0 else { throw SpawnError(code: errno) }
        let (readEnd, writeEnd) = (pipe[0], pipe[1])

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        posix_spawn_file_actions_addclose(&actions, readEnd)
        posix_spawn_file_actions_addclose(&actions, writeEnd)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own group (pgid = its pid), so a signal reaches everything it starts.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        let argv = ([executable] + (terraformDirectory.map { ["-chdir=\($0)"] } ?? []) + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        close(writeEnd)
        guard spawned == 0 else {
            close(readEnd)
            throw SpawnError(code: spawned)
        }

        let drained = Mutex(false)
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                output(Array(buffer[..<count]))
            }
            close(readEnd)
            drained.withLock { $0 = true }
        }
        reader.start()

        var status: Int32 = 0
        var exited = false
        var interruptedAt: ContinuousClock.Instant?
        var killed = false
        var exitedAt: ContinuousClock.Instant?
        while !exited || !drained.withLock({ $0 }) {
            if !exited, waitpid(pid, &status, WNOHANG) == pid {
                exited = true
                exitedAt = .now
            }
            if let exitedAt, ContinuousClock.now - exitedAt > .seconds(5) {
                // Terraform is gone but something it started in the background still holds its
                // output: that is not waited for.
                kill(-pid, SIGKILL)
                break
            }
            if interruptedAt == nil, stop() {
                interruptedAt = .now
                kill(-pid, SIGINT)
            } else if let interruptedAt, !killed, ContinuousClock.now - interruptedAt > grace {
                // Whatever is left of the group (a provisioner's command holding the output open too).
                killed = true
                kill(-pid, SIGKILL)
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as macros.
        let signaled = status & 0x7f != 0
        let code = signaled ? 128 + (status & 0x7f) : (status >> 8) & 0xff
        if interruptedAt != nil { return .interrupted(exitStatus: signaled ? nil : code) }
        return .exited(code)
    }
}
