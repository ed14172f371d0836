import Foundation
import Runtime
import Testing

/// The runtime loop of real function processes, driven through a real gateway.
@Suite(.serialized) final class GatewayRuntimeTests {
    let gateway: GatewayProcess

    init() throws {
        gateway = try GatewayProcess(template: fixtureTemplate())
    }

    func echo(_ value: String = "hello") throws -> [String: Any] {
        let response = try gateway.invoke("FixtureFunction", #"{"action":"echo","value":"\#(value)"}"#)
        #expect(response.status == 200)
        #expect(response.header("X-Amz-Function-Error") == nil)
        return try jsonObject(response.body)
    }

    @Test func httpRouteReachesTheFunctionAsAPayload2Event() throws {
        let response = try gateway.request("GET", "/api/health")
        #expect(response.status == 200)
        #expect(response.header("content-type") == "application/json")
        #expect(response.header("cache-control") == "no-store")
        #expect(try jsonObject(response.body)["status"] as? String == "ok")
    }

    @Test func unknownRouteIs404() throws {
        let response = try gateway.request("GET", "/api/nothing-here")
        #expect(response.status == 404)
        let error = try jsonObject(response.body)
        #expect(error["error"] as? String == "not_found")
        #expect(error["error_description"] as? String == "no route for GET /api/nothing-here")
    }

    @Test func invocationCarriesRequestIdDeadlineArnAndTrace() throws {
        let output = try echo("context")
        #expect(output["value"] as? String == "context")
        #expect((output["requestId"] as? String)?.isEmpty == false)
        #expect((output["functionArn"] as? String)?.hasSuffix(":function:runtime-fixture") == true)
        #expect((output["traceId"] as? String)?.hasPrefix("Root=1-") == true)
        // The template's Timeout is 3 s; the context counts down from it.
        let remaining = try #require(output["remainingMilliseconds"] as? Int)
        #expect(remaining > 0 && remaining <= 3000)
    }

    @Test func handlerErrorIsReportedAndTheProcessKeepsServing() throws {
        let before = try echo()["pid"] as? Int
        let failed = try gateway.invoke("FixtureFunction", #"{"action":"fail","value":"no such account"}"#)
        #expect(failed.status == 200)
        #expect(failed.header("X-Amz-Function-Error") == "Unhandled")
        let error = try jsonObject(failed.body)
        #expect(error["errorType"] as? String == "Function.Refused")
        #expect(error["errorMessage"] as? String == "no such account")
        #expect(try echo()["pid"] as? Int == before)
    }

    @Test func functionErrorBehindARouteIs502InThePlatformsErrorShape() throws {
        let response = try gateway.request("POST", "/fixture", body: #"{"action":"fail","value":"boom"}"#)
        #expect(response.status == 502)
        let error = try jsonObject(response.body)
        #expect(error["error"] as? String == "server_error")
        #expect((error["error_description"] as? String)?.contains("Function.Refused") == true)
        #expect(error["errorType"] == nil)
    }

    @Test func undecodableEventIsTheCallersErrorNotACrash() throws {
        let before = try echo()["pid"] as? Int
        for payload in [#"{"unexpected":true}"#, "not json at all", "[1,2,3]"] {
            let response = try gateway.invoke("FixtureFunction", payload)
            #expect(response.header("X-Amz-Function-Error") == "Unhandled")
            #expect(try jsonObject(response.body)["errorType"] as? String == "Runtime.InvalidEvent")
        }
        #expect(try echo()["pid"] as? Int == before)
    }

    @Test func crashMidInvocationIs502AndTheProcessIsRestarted() throws {
        let before = try echo()["pid"] as? Int
        let response = try gateway.request("POST", "/fixture", body: #"{"action":"crash"}"#)
        #expect(response.status == 502)
        #expect((try jsonObject(response.body)["error_description"] as? String)?.contains("Runtime.ExitError") == true)
        let after = try echo()["pid"] as? Int
        #expect(after != nil && after != before)
    }

    @Test func timeoutIs504AndTheProcessIsReplaced() throws {
        let before = try echo()["pid"] as? Int
        let response = try gateway.request("POST", "/fixture", body: #"{"action":"sleep","milliseconds":6000}"#)
        #expect(response.status == 504)
        #expect(try jsonObject(response.body)["error"] as? String == "timeout")
        let after = try echo()["pid"] as? Int
        #expect(after != nil && after != before)
    }

    @Test func responsesOver6MiBAreRefusedWithAClearError() throws {
        let response = try gateway.invoke("FixtureFunction", #"{"action":"big","bytes":7000000}"#)
        #expect(response.header("X-Amz-Function-Error") == "Unhandled")
        let error = try jsonObject(response.body)
        #expect(error["errorType"] as? String == "Function.ResponseSizeTooLarge")
        #expect((error["errorMessage"] as? String)?.contains("6 MiB") == true)
        _ = try echo()
    }

    @Test func initFailureIsReportedToTheCaller() throws {
        let response = try gateway.invoke("BrokenFunction", #"{"action":"echo"}"#)
        #expect(response.header("X-Amz-Function-Error") == "Unhandled")
        let error = try jsonObject(response.body)
        #expect(error["errorType"] as? String == "Runtime.InitError")
        #expect((error["errorMessage"] as? String)?.contains("FIXTURE_FAIL_INIT") == true)
        #expect(try gateway.request("POST", "/broken", body: "{}").status == 502)
    }

    @Test func unknownFunctionIsResourceNotFound() throws {
        let response = try gateway.invoke("NoSuchFunction", "{}")
        #expect(response.status == 404)
        #expect(response.header("X-Amzn-ErrorType") == "ResourceNotFoundException")
    }

    @Test func asynchronousInvokeIsAcceptedAndRuns() throws {
        let response = try gateway.invoke("FixtureFunction", #"{"action":"echo","value":"async-marker"}"#, invocationType: "Event")
        #expect(response.status == 202)
        #expect(gateway.waitForLog(containing: "async-marker"))
    }

    @Test func functionLogsAreJSONLinesWithRequestIdAndFunction() throws {
        _ = try echo("log-line-check")
        #expect(gateway.waitForLog(containing: "log-line-check"))
        let lines = gateway.log.split(separator: "\n").filter { $0.contains("log-line-check") }
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try jsonObject(String(line))
            #expect(object["function"] as? String == "runtime-fixture")
            #expect((object["requestId"] as? String)?.isEmpty == false)
            #expect(object["level"] as? String == "info")
        }
    }
}

@Suite(.serialized) struct GatewayLifecycleTests {
    @Test func parallelRequestsAreServedByAsManyProcesses() throws {
        let gateway = try GatewayProcess(template: fixtureTemplate(), concurrency: 4)
        let pids = LockedArray()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let response = try? gateway.request("POST", "/fixture", body: #"{"action":"sleep","milliseconds":1500}"#)
            if let response, response.status == 200, let pid = (try? jsonObject(response.body))?["pid"] as? Int { pids.append(pid) }
        }
        #expect(pids.values.count == 4)
        #expect(Set(pids.values).count == 4)
    }

    @Test func schedulesFireTheirEvent() throws {
        let gateway = try GatewayProcess(template: fixtureTemplate(schedule: "rate(1 minute)"), arguments: ["--schedule-every", "1"])
        #expect(gateway.waitForLog(containing: "from-the-schedule"))
    }

    @Test func sigtermStopsEveryChildProcess() throws {
        let gateway = try GatewayProcess(template: fixtureTemplate(), concurrency: 2)
        let response = try gateway.invoke("FixtureFunction", #"{"action":"echo"}"#)
        let pid = try #require(try jsonObject(response.body)["pid"] as? Int)
        #expect(kill(pid_t(pid), 0) == 0)
        #expect(gateway.stop() == 0)
        #expect(kill(pid_t(pid), 0) == -1 && errno == ESRCH)
    }
}

final class LockedArray: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Int] = []
    func append(_ value: Int) { lock.withLock { storage.append(value) } }
    var values: [Int] { lock.withLock { storage } }
}
