import CProcess
import Foundation
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
        let grace = self.grace
        var pipe: [Int32] = [0, 0]
        // Close-on-exec from the start, so a command spawned meanwhile on another thread does not
        // inherit it (dup2 onto its standard streams clears the flag for this command alone).
        guard cprocess_pipe_cloexec(&pipe) == 0 else { throw SpawnError(code: errno) }
        let (readEnd, writeEnd) = (pipe[0], pipe[1])

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        // The configuration may run commands of its own (local-exec): none may inherit the
        // runner's database connection or any other descriptor, whichever thread opened it.
        let closing = cprocess_spawn_close_from(&actions, 3)
        guard closing == 0 else {
            close(readEnd)
            close(writeEnd)
            throw SpawnError(code: closing)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own group (pgid = its pid), so a signal reaches everything it starts; and the
        // signals it is stopped by at their defaults, unblocked: a server ignores or blocks
        // SIGINT and SIGPIPE to handle them itself, which a child would otherwise inherit.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigmask(&attributes, &unblocked)

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

        // Supervised on a thread of its own, not the cooperative pool: a stop must reach the
        // group on time even when every pool thread is busy (a run's log flushing, other work).
        let leader = pid
        return await withCheckedContinuation { continuation in
            let supervisor = Thread {
                continuation.resume(returning: Self.supervise(pid: leader, readEnd: readEnd, grace: grace, output: output, stop: stop))
            }
            supervisor.start()
        }
    }

    /// Forwards the output as it comes, interrupts the group when `stop` says so (killing it if
    /// it has not ended `grace` later) and reaps the command; returns once it has ended and its
    /// output is drained.
    private static func supervise(pid: pid_t, readEnd: Int32, grace: Duration, output: ([UInt8]) -> Void, stop: () -> Bool) -> Ending {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var drained = false
        var status: Int32 = 0
        var exited = false
        var exitedAt: ContinuousClock.Instant?
        var interruptedAt: ContinuousClock.Instant?
        var killed = false
        while !exited || !drained {
            if !drained {
                var ready = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
                if poll(&ready, 1, 100) > 0 {
                    let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
                    if count > 0 {
                        output(Array(buffer[..<count]))
                    } else if count == 0 || errno != EINTR {
                        drained = true
                    }
                }
            } else {
                usleep(100_000)
            }
            if !exited, waitpid(pid, &status, WNOHANG) == pid {
                exited = true
                exitedAt = .now
            }
            if !drained, let exitedAt, ContinuousClock.now - exitedAt > .seconds(5) {
                // The command is gone but something it started in the background still holds its
                // output: that is not waited for.
                kill(-pid, SIGKILL)
                break
            }
            if interruptedAt == nil, !exited, stop() {
                interruptedAt = .now
                kill(-pid, SIGINT)
            } else if let interruptedAt, !killed, ContinuousClock.now - interruptedAt > grace {
                // Whatever is left of the group (a provisioner's command holding the output open too).
                killed = true
                kill(-pid, SIGKILL)
            }
        }
        close(readEnd)
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as macros.
        let signaled = status & 0x7f != 0
        let code = signaled ? 128 + (status & 0x7f) : (status >> 8) & 0xff
        if interruptedAt != nil { return .interrupted(exitStatus: signaled ? nil : code) }
        return .exited(code)
    }
}
