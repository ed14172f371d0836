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

    @Test func stoppingInterruptsTheWholeGroup() async throws {
        let started = ContinuousClock.now
        let stop = Mutex(false)
        Task { try await Task.sleep(for: .milliseconds(500)); stop.withLock { $0 = true } }
        // The shell waits for its child; SIGINT to the group ends both at once.
        let (ending, _) = try await run("sleep 30; echo finished", stop: { stop.withLock { $0 } })
        guard case .interrupted = ending else { Issue.record("\(ending)"); return }
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func aGroupThatIgnoresTheInterruptIsKilledAfterTheGrace() async throws {
        let started = ContinuousClock.now
        let (ending, _) = try await run("trap '' INT; sleep 30", stop: { true }, grace: .seconds(1))
        #expect(ending == .interrupted(exitStatus: nil))
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
