import Foundation
import HTTPTypes
import Hummingbird
import Runtime

/// The Lambda Runtime API for one process slot, served on its own port so the gateway always
/// knows which process holds which event (and which event dies with a crashed process).
struct RuntimeAPIResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let pool: FunctionPool
    let slot: Int
    let functionARN: String

    private static let prefix = "/2018-06-01/runtime/"

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix(Self.prefix) else { return Self.status(.notFound, "unknown Runtime API path \(path)") }
        let parts = path.dropFirst(Self.prefix.count).split(separator: "/").map(String.init)

        switch (request.method, parts.count, parts.first, parts.last) {
        case (.get, 2, "invocation", "next"):
            return await next()
        case (.post, 3, "invocation", "response"):
            guard let body = try? await request.body.collect(upTo: FunctionError.maximumResponseBytes) else {
                _ = await pool.complete(requestID: parts[1], slot: slot, outcome: .functionError(.responseTooLarge(FunctionError.maximumResponseBytes + 1)))
                return Self.status(.contentTooLarge, "the response exceeds 6 MiB", type: "RequestEntityTooLarge")
            }
            return await complete(parts[1], .response(Array(buffer: body)))
        case (.post, 3, "invocation", "error"):
            return await complete(parts[1], .functionError(try await reportedError(request)))
        case (.post, 2, "init", "error"):
            await pool.initFailed(slot: slot, error: try await reportedError(request))
            return Self.status(.accepted, "OK")
        default:
            return Self.status(.notFound, "unknown Runtime API call \(request.method) \(path)")
        }
    }

    private func next() async -> Response {
        guard let pending = await pool.next(slot: slot) else {
            return Self.status(.serviceUnavailable, "this process slot was replaced")
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[HTTPField.Name("Lambda-Runtime-Aws-Request-Id")!] = pending.requestID
        headers[HTTPField.Name("Lambda-Runtime-Deadline-Ms")!] = String(pending.deadlineMilliseconds)
        headers[HTTPField.Name("Lambda-Runtime-Invoked-Function-Arn")!] = functionARN
        headers[HTTPField.Name("Lambda-Runtime-Trace-Id")!] = pending.traceID
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: pending.payload)))
    }

    private func complete(_ requestID: String, _ outcome: InvocationOutcome) async -> Response {
        if await pool.complete(requestID: requestID, slot: slot, outcome: outcome) {
            return Self.status(.accepted, "OK")
        }
        return Self.status(.badRequest, "unknown or already answered request id \(requestID)", type: "InvalidRequestID")
    }

    /// The reported error; a header outside `(Runtime|Function).Name` is itself reported, so a
    /// runtime that sends a malformed type is caught rather than passed through.
    private func reportedError(_ request: Request) async throws -> FunctionError {
        let header = request.headers[HTTPField.Name("Lambda-Runtime-Function-Error-Type")!] ?? ""
        guard header.wholeMatch(of: /(Runtime|Function)\.[A-Z][a-zA-Z]+/) != nil else {
            return FunctionError(errorType: "Runtime.InvalidErrorType", errorMessage: "Lambda-Runtime-Function-Error-Type '\(header)' is not (Runtime|Function).Name")
        }
        let body = try await request.body.collect(upTo: 1 << 20)
        let reported = try? JSONDecoder().decode(FunctionError.self, from: Data(buffer: body))
        return FunctionError(errorType: header, errorMessage: reported?.errorMessage ?? String(buffer: body))
    }

    static func status(_ status: HTTPResponse.Status, _ message: String, type: String? = nil) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let body = type.map { #"{"errorMessage":\#(jsonString(message)),"errorType":"\#($0)"}"# } ?? #"{"status":\#(jsonString(message))}"#
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

func jsonString(_ text: String) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .withoutEscapingSlashes  // paths read as paths: "/api/x", not "\/api\/x"
    return String(decoding: (try? encoder.encode(text)) ?? Data(#""""#.utf8), as: UTF8.self)
}
