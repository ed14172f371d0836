/// An event handed out by the Runtime API's `next`.
public struct Invocation: Sendable {
    public let requestID: String
    public let deadlineMilliseconds: Int64
    public let invokedFunctionARN: String
    public let traceID: String?
    public let payload: [UInt8]
}

public enum RuntimeAPIError: Error, CustomStringConvertible {
    case transport(HTTPTransportError)
    case unexpectedStatus(path: String, status: Int, body: String)
    case missingRequestID
    case outOfOrder(String)

    public var description: String {
        switch self {
        case .transport(let error): "Runtime API unreachable: \(error)"
        case .unexpectedStatus(let path, let status, let body): "Runtime API answered \(status) to \(path): \(body)"
        case .missingRequestID: "Runtime API sent an event without Lambda-Runtime-Aws-Request-Id"
        case .outOfOrder(let what): "Runtime API client used out of order: \(what)"
        }
    }
}

/// The AWS Lambda Runtime API, as a small state machine: idle → waiting for `next` → processing
/// one invocation → idle. Each call is allowed only in its state, so the loop cannot answer an
/// invocation twice or ask for the next one before answering.
public final class RuntimeAPIClient {
    enum State { case idle, waitingForNext, processing(requestID: String) }

    private let base = "/2018-06-01"
    private let connection: LoopbackHTTPConnection
    private var state = State.idle

    /// `endpoint` is `AWS_LAMBDA_RUNTIME_API`: `host:port`.
    public init(endpoint: String) {
        connection = LoopbackHTTPConnection(endpoint: endpoint)
    }

    /// Blocks until the platform has an event: no client timeout, the function is frozen meanwhile.
    public func next() throws(RuntimeAPIError) -> Invocation {
        guard case .idle = state else { throw .outOfOrder("next while an invocation is open") }
        state = .waitingForNext
        let response = try send("GET", "/runtime/invocation/next", timeout: 0)
        guard response.status == 200 else {
            state = .idle
            throw .unexpectedStatus(path: "/runtime/invocation/next", status: response.status, body: String(decoding: response.body, as: UTF8.self))
        }
        guard let requestID = response.header("Lambda-Runtime-Aws-Request-Id"), !requestID.isEmpty else {
            state = .idle
            throw .missingRequestID
        }
        state = .processing(requestID: requestID)
        return Invocation(
            requestID: requestID,
            deadlineMilliseconds: response.header("Lambda-Runtime-Deadline-Ms").flatMap { Int64($0) } ?? Int64.max,
            invokedFunctionARN: response.header("Lambda-Runtime-Invoked-Function-Arn") ?? "",
            traceID: response.header("Lambda-Runtime-Trace-Id"),
            payload: response.body)
    }

    public func respond(_ body: [UInt8]) throws(RuntimeAPIError) {
        let requestID = try openRequestID()
        state = .idle
        try expectAccepted(send("POST", "/runtime/invocation/\(requestID)/response", body: body))
    }

    public func reportError(_ error: FunctionError) throws(RuntimeAPIError) {
        let requestID = try openRequestID()
        state = .idle
        try expectAccepted(send("POST", "/runtime/invocation/\(requestID)/error", body: encodeJSON(error), errorType: error.errorType))
    }

    /// Only before the first `next`: the process then exits.
    public func reportInitError(_ error: FunctionError) throws(RuntimeAPIError) {
        guard case .idle = state else { throw .outOfOrder("init error after the first event") }
        try expectAccepted(send("POST", "/runtime/init/error", body: encodeJSON(error), errorType: error.errorType))
    }

    private func openRequestID() throws(RuntimeAPIError) -> String {
        guard case .processing(let requestID) = state else { throw .outOfOrder("answer without an open invocation") }
        return requestID
    }

    private func send(_ method: String, _ path: String, body: [UInt8] = [], errorType: String? = nil, timeout: Int = 30_000) throws(RuntimeAPIError) -> HTTPClient.Response {
        var headers: [(name: String, value: String)] = []
        if method == "POST" { headers.append(("Content-Type", "application/json")) }
        if let errorType { headers.append(("Lambda-Runtime-Function-Error-Type", errorType)) }
        do {
            return try connection.send(method: method, path: base + path, headers: headers, body: body, timeoutMilliseconds: timeout)
        } catch {
            throw .transport(error)
        }
    }

    private func expectAccepted(_ response: HTTPClient.Response) throws(RuntimeAPIError) {
        guard response.status == 202 else {
            throw .unexpectedStatus(path: "answer", status: response.status, body: String(decoding: response.body, as: UTF8.self))
        }
    }
}
