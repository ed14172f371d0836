import Foundation
import Testing

/// `<function> --event FILE`: one invocation from a file, no server.
@Suite struct LocalInvokeTests {
    /// Every sample in events/ runs through its function (`name.json` or `name.case.json`) and is
    /// answered, not failed: some show a refusal on purpose (no signed-in user, an unapproved login).
    @Test func everySampleEventRunsThroughItsFunction() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: "events").filter { $0.hasSuffix(".json") }.sorted()
        #expect(!files.isEmpty)
        for file in files {
            let function = String(file.split(separator: ".")[0])
            // The schedules act on the whole (shared) test database; here they may do nothing.
            let result = try runExecutable(function, arguments: ["--event", "events/\(file)"], environment: ["SCAN_DISPATCH_LIMIT": "0", "PROVIDER_TOKEN_REFRESH_BATCH": "0"])
            #expect(result.status == 0, "\(file): \(result.standardOutput) \(result.standardError)")
            let output = try jsonObject(result.standardOutput)
            if let status = output["statusCode"] as? Int {
                #expect(status < 500, "\(file) answered \(status): \(output["body"] ?? "")")
            }
        }
    }

    @Test func readsTheEventFromStandardInput() throws {
        let result = try runExecutable("runtime-fixture", standardInput: #"{"action":"echo","value":"piped"}"#)
        #expect(result.status == 0)
        #expect(try jsonObject(result.standardOutput)["value"] as? String == "piped")
        // Logs go to standard error, so standard output is exactly the response.
        #expect(result.standardError.contains("\"function\":\"runtime-fixture\""))
    }

    @Test func handlerErrorPrintsTheErrorJSONAndExitsNonZero() throws {
        let result = try runExecutable("runtime-fixture", arguments: ["--event", "-"], standardInput: #"{"action":"fail","value":"denied"}"#)
        #expect(result.status == 1)
        let error = try jsonObject(result.standardOutput)
        #expect(error["errorType"] as? String == "Function.Refused")
        #expect(error["errorMessage"] as? String == "denied")
    }

    @Test func initErrorExitsNonZero() throws {
        let result = try runExecutable("runtime-fixture", standardInput: #"{"action":"echo"}"#, environment: ["FIXTURE_FAIL_INIT": "1"])
        #expect(result.status == 1)
        #expect(try jsonObject(result.standardOutput)["errorType"] as? String == "Runtime.InitError")
    }

    @Test func missingEventFileIsAUsageError() throws {
        let result = try runExecutable("health", arguments: ["--event", "events/does-not-exist.json"])
        #expect(result.status == 2)
        #expect(result.standardError.contains("does-not-exist.json"))
        #expect(result.standardOutput.isEmpty)
    }

    @Test func anHTTPFunctionGivenANonHTTPEventSaysSo() throws {
        let result = try runExecutable("health", standardInput: #"{"action":"echo"}"#)
        #expect(result.status == 1)
        #expect(try jsonObject(result.standardOutput)["errorType"] as? String == "Runtime.InvalidEvent")
    }

    /// Without a CA bundle a function does not start (Runtime.InitError naming SSL_CERT_FILE).
    @Test func aFunctionWithoutACABundleRefusesToStart() throws {
        let result = try runExecutable("health", arguments: ["--event", "events/health.json"], environment: ["SSL_CERT_FILE": "/nonexistent/ca.pem"])
        #expect(result.status == 1)
        let error = try jsonObject(result.standardOutput)
        #expect(error["errorType"] as? String == "Runtime.InitError")
        #expect((error["errorMessage"] as? String)?.contains("SSL_CERT_FILE") == true, "\(error)")
    }
}
