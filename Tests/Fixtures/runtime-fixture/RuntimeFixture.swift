#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Runtime

/// Misbehaves on request so tests can prove the runtime loop and the gateway. Never shipped.
struct RuntimeFixture: LambdaHandler {
    struct Event: Decodable, Sendable {
        /// echo, fail, crash, sleep, big
        let action: String
        let value: String?
        let milliseconds: Int?
        let bytes: Int?

        enum CodingKeys: String, CodingKey { case action, value, milliseconds, bytes, body }

        /// A raw event, or an HTTP API event whose body is one (so the fixture can sit behind a route).
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let body = try container.decodeIfPresent(String.self, forKey: .body) {
                self = try JSONDecoder().decode(Event.self, from: Data(body.utf8))
                return
            }
            action = try container.decode(String.self, forKey: .action)
            value = try container.decodeIfPresent(String.self, forKey: .value)
            milliseconds = try container.decodeIfPresent(Int.self, forKey: .milliseconds)
            bytes = try container.decodeIfPresent(Int.self, forKey: .bytes)
        }
    }

    struct Output: Encodable, Sendable {
        let action: String
        let value: String?
        let remainingMilliseconds: Int64
        let requestId: String
        let traceId: String?
        let functionArn: String
        let pid: Int32
        let padding: String?
    }

    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    init(context: InitContext) async throws {
        if context.environment["FIXTURE_FAIL_INIT"] == "1" { throw ConfigurationError(message: "FIXTURE_FAIL_INIT is set") }
    }

    func handle(_ event: Event, context: LambdaContext) async throws -> Output {
        context.logger.info("fixture", metadata: ["action": "\(event.action)", "value": "\(event.value ?? "")"])
        switch event.action {
        case "fail":
            throw Refused(description: event.value ?? "refused on request")
        case "crash":
            exit(70)
        case "sleep":
            try await Task.sleep(for: .milliseconds(event.milliseconds ?? 1000))
        default:
            break
        }
        let trace = getenv("_X_AMZN_TRACE_ID").map { String(cString: $0) }
        let remaining = context.remainingTime.components
        return Output(
            action: event.action, value: event.value,
            remainingMilliseconds: remaining.seconds * 1000 + remaining.attoseconds / 1_000_000_000_000_000,
            requestId: context.requestID, traceId: trace, functionArn: context.invokedFunctionARN, pid: getpid(),
            padding: event.action == "big" ? String(repeating: "x", count: event.bytes ?? 7_000_000) : nil)
    }
}
