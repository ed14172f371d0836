import CCurl
#if canImport(Glibc)
import Glibc
#endif

extension HTTPClient {
/// A request for `HTTPClient`.
public struct Request: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Milliseconds; 0 waits forever (the Runtime API's `next` must never time out on the client side).
    public var timeoutMilliseconds: Int

    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = [], timeoutMilliseconds: Int = 30_000) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMilliseconds = timeoutMilliseconds
    }
}

public struct Response: Sendable {
    public var status: Int
    /// Header names lowercased; a repeated header keeps its last value.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}
}

public struct HTTPTransportError: Error, CustomStringConvertible {
    /// libcurl's CURLcode.
    public let code: Int
    public let message: String
    public var description: String { "HTTP transport error \(code): \(message)" }
}

/// A blocking HTTP/1.1 client on one libcurl easy handle, reused so the connection stays alive.
/// Not thread-safe: one owner at a time (concurrent callers make their own). The handle, and
/// libcurl itself, come with the first request, so a function pays for them only when it calls out.
public final class HTTPClient {
    private var easy: OpaquePointer?

    public init() {}

    deinit { if let easy { ccurl_handle_free(easy) } }

    private func handle() throws(HTTPTransportError) -> OpaquePointer {
        if let easy { return easy }
        guard let created = ccurl_handle_new() else {
            throw HTTPTransportError(code: -1, message: ccurl_load_error().map { String(cString: $0) } ?? "libcurl could not create an easy handle")
        }
        easy = created
        return created
    }

    public func send(_ request: Request) throws(HTTPTransportError) -> Response {
        let handle = try handle()
        var response = ccurl_response()
        defer { ccurl_response_free(&response) }
        let lines = request.headers.map { "\($0.name): \($0.value)" }
        let code = withCStringArray(lines) { headers in
            request.body.withUnsafeBytes { body in
                ccurl_perform(
                    handle, request.method, request.url, headers, lines.count,
                    body.baseAddress, body.count, request.timeoutMilliseconds, 10_000, &response)
            }
        }
        guard code == 0 else {
            throw HTTPTransportError(code: Int(code), message: withUnsafeBytes(of: response.error) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
        }
        let body = response.body.map { Array(UnsafeBufferPointer(start: UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self), count: response.body_length)) } ?? []
        let headers = response.headers.map {
            parseHeaders(UnsafeBufferPointer(start: UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self), count: response.headers_length))
        } ?? [:]
        return Response(status: response.status, headers: headers, body: body)
    }
}

/// Header lines as bytes: `String` splitting is grapheme-aware (`\r\n` is one Character), which
/// made parsing the dearest part of a warm invocation.
func parseHeaders(_ block: UnsafeBufferPointer<UInt8>) -> [String: String] {
    var headers: [String: String] = [:]
    var lineStart = 0
    while lineStart < block.count {
        var lineEnd = lineStart
        while lineEnd < block.count, block[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
        var contentEnd = lineEnd
        if contentEnd > lineStart, block[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
        if let colon = (lineStart..<contentEnd).first(where: { block[$0] == UInt8(ascii: ":") }) {
            var valueStart = colon + 1
            while valueStart < contentEnd, block[valueStart] == UInt8(ascii: " ") || block[valueStart] == UInt8(ascii: "\t") { valueStart += 1 }
            let name = String(decoding: block[lineStart..<colon].lazy.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }, as: UTF8.self)
            headers[name] = String(decoding: UnsafeBufferPointer(rebasing: block[valueStart..<contentEnd]), as: UTF8.self)
        }
        lineStart = lineEnd + 1
    }
    return headers
}

private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let pointers = strings.map { strdup($0) }
    defer { pointers.forEach { free($0) } }
    let constPointers = pointers.map { UnsafePointer($0) }
    return constPointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
