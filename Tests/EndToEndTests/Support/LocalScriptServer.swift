import Foundation

/// A Python test server under `Tests/Support` on a free loopback port: started with its
/// arguments, ready once it prints `listening on http://…`, stopped when this is released.
final class LocalScriptServer: @unchecked Sendable {
    let process = Process()
    let baseURL: String

    init(script: String, arguments: [String] = []) throws {
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        process.standardOutput = output
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard let url = line.firstMatch(of: /listening on (http:\/\/[0-9.]+:[0-9]+)/).map({ String($0.1) }) else {
            process.terminate()
            throw CocoaError(.fileReadUnknown)
        }
        baseURL = url
    }

    /// SIGKILL: a child started from a test's thread can inherit a mask that blocks SIGTERM, and
    /// these servers keep nothing worth a clean stop.
    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
