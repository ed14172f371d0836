import Foundation
import Synchronization
import Testing
@testable import TerraformRuns

/// What a command started for a run inherits from the runner, and how it is stopped.
@Suite struct ProcessGroupTests {
    func run(_ script: String, stop: @escaping @Sendable () -> Bool = { false }, grace: Duration = .seconds(5)) async throws -> (ProcessGroup.Ending, String) {
        let output = Mutex<[UInt8]>([])
        let ending = try await ProcessGroup(executable: "/bin/sh", terraformDirectory: nil, environment: ["PATH": "/usr/bin:/bin", "ONLY": "this"], grace: grace)
            .run(["-c", script], output: { bytes in output.withLock { $0 += bytes } }, stop: stop)
        return (ending, output.withLock { String(decoding: $0, as: UTF8.self) })
    }

    /// The runner holds a database connection and keys; the command gets its standard streams
    /// and the environment it was given, nothing else.
    @Test func aCommandInheritsNoDescriptorAndOnlyItsEnvironment() async throws {
        let held = open("/etc/hostname", O_RDONLY)  // as a socket or key file of the runner's would be
        defer { close(held) }
        #expect(held > 2)
        let (ending, output) = try await run("ls /proc/$$/fd; echo; env")
        #expect(ending == .exited(0))
        let descriptors = output.split(separator: "\n\n")[0].split(separator: "\n").compactMap { Int32($0) }
        #expect(descriptors.sorted() == [0, 1, 2], "\(output)")
        #expect(output.contains("ONLY=this") && !output.contains("HOME="), "\(output)")
    }

    /// A server ignores SIGINT (to handle it itself) and SIGPIPE; Terraform must still get the
    /// interrupt, and a pipe's reader going away must still end a command's writer.
    @Test func aCommandStartsWithTheStopSignalsAtTheirDefaults() async throws {
        let previous = (signal(SIGINT, SIG_IGN), signal(SIGPIPE, SIG_IGN))
        defer { _ = signal(SIGINT, previous.0); _ = signal(SIGPIPE, previous.1) }
        let (ending, output) = try await run("exec grep -E '^Sig(Ign|Blk):' /proc/self/status")
        #expect(ending == .exited(0))
        let masks = Dictionary(uniqueKeysWithValues: output.split(separator: "\n").map {
            let parts = $0.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            return (parts[0], UInt64(parts[1], radix: 16) ?? .max)
        })
        let stopSignals = [SIGINT, SIGTERM, SIGHUP, SIGPIPE].reduce(UInt64(0)) { $0 | (1 << UInt64($1 - 1)) }
        #expect(masks["SigIgn"].map { $0 & stopSignals } == 0, "\(output)")
        #expect(masks["SigBlk"].map { $0 & stopSignals } == 0, "\(output)")
    }

    /// Whether a process is still there (a killed child the container's init has not reaped yet counts as gone).
    func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let afterName = stat.range(of: ") ") else { return false }
        return !stat[afterName.upperBound...].hasPrefix("Z")
    }

    func backgroundPid(in output: String) -> pid_t? {
        output.split(separator: "\n").first.flatMap { pid_t($0) }
    }

    @Test func stoppingInterruptsTheWholeGroup() async throws {
        let started = ContinuousClock.now
        // The shell waits for its child (a command a provisioner runs); SIGINT to the group ends
        // both, long before the child would.
        let (ending, output) = try await run("sh -c 'echo $$; exec sleep 60'; echo finished",
                                             stop: { ContinuousClock.now - started > .milliseconds(500) })
        guard case .interrupted = ending else { Issue.record("\(ending)"); return }
        #expect(!output.contains("finished"), "\(output)")
        let child = try #require(backgroundPid(in: output), "\(output)")
        #expect(!isAlive(child))
    }

    @Test func aGroupThatIgnoresTheInterruptIsKilledAfterTheGrace() async throws {
        let (ending, output) = try await run("trap '' INT; sh -c 'echo $$; exec sleep 60'; echo survived", stop: { true }, grace: .seconds(1))
        #expect(ending == .interrupted(exitStatus: nil))
        #expect(!output.contains("survived"), "\(output)")
        let child = try #require(backgroundPid(in: output), "\(output)")
        #expect(!isAlive(child))
    }
}
