import Foundation
import Runtime

/// A real `gateway` process on a free port, over a template written for the test; stopped (and
/// with it every function process) when the test is done.
final class GatewayProcess: @unchecked Sendable {
    let process = Process()
    let baseURL: String
    let logPath: String
    private let directory: URL

    /// `buildDirectory` holds the function executables by name (the debug build unless a test says otherwise).
    /// `port` 0 takes a free one; a fixed one lets a test name the gateway's URL before it starts (PLATFORM_URL).
    init(template: String, concurrency: Int = 1, arguments: [String] = [], environment: [String: String] = [:], buildDirectory: String = binDirectory,
         port: Int = 0) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let templatePath = directory.appendingPathComponent("template.yaml").path
        try template.write(toFile: templatePath, atomically: true, encoding: .utf8)
        let outputPath = directory.appendingPathComponent("stdout").path
        logPath = directory.appendingPathComponent("stderr").path
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)

        process.executableURL = URL(fileURLWithPath: binDirectory).appendingPathComponent("gateway")
        process.arguments = ["--template", templatePath, "--port", String(port), "--build-directory", buildDirectory, "--concurrency", String(concurrency)] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle(forWritingAtPath: outputPath)
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()

        let deadline = Date().addingTimeInterval(30)
        var url: String?
        while url == nil, Date() < deadline, process.isRunning {
            let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            url = output.firstMatch(of: /gateway listening on (http:\/\/[0-9.]+:[0-9]+)/).map { String($0.1) }
            if url == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        guard let url else {
            process.terminate()
            throw GatewayStartError(log: (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")
        }
        baseURL = url
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    struct GatewayStartError: Error { let log: String }

    /// Lambda's Invoke API with a raw event.
    func invoke(_ function: String, _ payload: String, invocationType: String? = nil) throws -> HTTPClient.Response {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
        if let invocationType { headers.append(("X-Amz-Invocation-Type", invocationType)) }
        return try HTTPClient().send(.init(method: "POST", url: "\(baseURL)/2015-03-31/functions/\(function)/invocations", headers: headers, body: Array(payload.utf8), timeoutMilliseconds: 300_000))
    }

    func request(_ method: String, _ path: String, body: String? = nil, headers: [(name: String, value: String)] = []) throws -> HTTPClient.Response {
        let contentType: [(name: String, value: String)] = body == nil ? [] : [("Content-Type", "application/json")]
        return try HTTPClient().send(.init(method: method, url: baseURL + path, headers: contentType + headers, body: Array((body ?? "").utf8)))
    }

    /// SIGTERM, then waits for the gateway to exit; returns its exit status.
    func stop() -> Int32 {
        process.terminate()
        process.waitUntilExit()
        return process.terminationStatus
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Waits (bounded) until the gateway's log holds a line containing `text`.
    func waitForLog(containing text: String, seconds: Double = 15) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if log.contains(text) { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }
}

/// A template with the runtime fixture (3 s timeout), a fixture whose init fails, and `health`.
func fixtureTemplate(schedule: String? = nil) -> String {
    let scheduleEvent = schedule.map { expression in
        """

                Tick:
                  Type: Schedule
                  Properties:
                    Schedule: \(expression)
                    Input: '{"action":"echo","value":"from-the-schedule"}'
        """
    } ?? ""
    return """
    AWSTemplateFormatVersion: "2010-09-09"
    Transform: AWS::Serverless-2016-10-31
    Resources:
      FixtureFunction:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: runtime-fixture
          Timeout: 3
          Events:
            Call:
              Type: HttpApi
              Properties:
                Method: POST
                Path: /fixture\(scheduleEvent)
      BrokenFunction:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: runtime-fixture
          Environment:
            Variables:
              FIXTURE_FAIL_INIT: "1"
          Events:
            Call:
              Type: HttpApi
              Properties:
                Method: POST
                Path: /broken
      HealthFunction:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: health
          Events:
            Health:
              Type: HttpApi
              Properties:
                Method: GET
                Path: /api/health
    """
}
