#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// HTTP/1.1 over one kept-alive TCP connection to the Runtime API, which is plain HTTP on loopback:
/// no TLS, no proxies, no redirects. Speaking it directly keeps libcurl (and its shared libraries)
/// out of a function's start. Requests carry `Content-Length`; answers may use it, chunks, or close.
final class LoopbackHTTPConnection {
    private let host: String
    private let port: String
    private var socket: Int32 = -1
    private var buffered: [UInt8] = []
    /// recv's landing area, made once: a fresh zeroed 64 KiB per read showed in the warm profile.
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)

    /// `endpoint` is `host:port`.
    init(endpoint: String) {
        let separator = endpoint.lastIndex(of: ":")
        host = separator.map { String(endpoint[..<$0]) } ?? endpoint
        port = separator.map { String(endpoint[endpoint.index(after: $0)...]) } ?? "80"
    }

    deinit { disconnect() }

    /// One request and its answer. `timeoutMilliseconds` 0 waits forever (`next` blocks until an event).
    func send(method: String, path: String, headers: [(name: String, value: String)], body: [UInt8], timeoutMilliseconds: Int) throws(HTTPTransportError) -> HTTPClient.Response {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Length: \(body.count)\r\n"
        for header in headers { head += "\(header.name): \(header.value)\r\n" }
        head += "\r\n"
        let request = Array(head.utf8) + body
        let deadline = timeoutMilliseconds > 0 ? monotonicMilliseconds() + Int64(timeoutMilliseconds) : nil
        // A kept-alive connection the server has since closed fails before any answer byte: once,
        // reconnect and send again (nothing was processed).
        for attempt in 0..<2 {
            let reused = socket >= 0
            if !reused { try connect() }
            do throws(ConnectionFailure) {
                try write(request)
                return try readResponse(deadline: deadline)
            } catch {
                disconnect()
                if case .closedBeforeAnswer = error, reused, attempt == 0 { continue }
                throw error.transportError
            }
        }
        throw HTTPTransportError(code: -1, message: "the Runtime API closed the connection")
    }

    private enum ConnectionFailure: Error {
        case closedBeforeAnswer
        case failed(String)
        case timedOut

        var transportError: HTTPTransportError {
            switch self {
            case .closedBeforeAnswer: HTTPTransportError(code: 52, message: "the Runtime API closed the connection without an answer")
            case .failed(let message): HTTPTransportError(code: 56, message: message)
            case .timedOut: HTTPTransportError(code: 28, message: "the Runtime API did not answer in time")
            }
        }
    }

    private func connect() throws(HTTPTransportError) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var found: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, port, &hints, &found)
        guard status == 0, let first = found else {
            throw HTTPTransportError(code: 6, message: "cannot resolve the Runtime API at \(host):\(port): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(found) }
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        var lastError: Int32 = 0
        while let address = candidate {
            let descriptor = Glibc_socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            if descriptor >= 0 {
                if Glibc_connect(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 {
                    var one: Int32 = 1
                    setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                    socket = descriptor
                    return
                }
                lastError = errno
                close(descriptor)
            } else {
                lastError = errno
            }
            candidate = address.pointee.ai_next
        }
        throw HTTPTransportError(code: 7, message: "cannot connect to the Runtime API at \(host):\(port): \(String(cString: strerror(lastError)))")
    }

    private func disconnect() {
        if socket >= 0 { close(socket) }
        socket = -1
        buffered.removeAll()
    }

    private func write(_ bytes: [UInt8]) throws(ConnectionFailure) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc_send(socket, raw.baseAddress! + offset, raw.count - offset, noSignalFlag)
            }
            if written < 0 {
                if errno == EINTR { continue }
                // The peer closed a kept-alive connection: nothing of this request was read.
                if errno == EPIPE || errno == ECONNRESET { throw .closedBeforeAnswer }
                throw .failed("cannot send to the Runtime API: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    /// Reads more bytes into `buffered`; false at end of stream.
    private func fill(deadline: Int64?) throws(ConnectionFailure) -> Bool {
        if let deadline {
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            while true {
                let remaining = deadline - monotonicMilliseconds()
                guard remaining > 0 else { throw .timedOut }
                let ready = poll(&descriptor, 1, Int32(clamping: remaining))
                if ready > 0 { break }
                if ready == 0 { throw .timedOut }
                if errno != EINTR { throw .failed("cannot wait for the Runtime API: \(String(cString: strerror(errno)))") }
            }
        }
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffered.append(contentsOf: chunk[0..<count])
                return true
            }
            if count == 0 { return false }
            if errno == EINTR { continue }
            if errno == ECONNRESET { return false }
            throw .failed("cannot read from the Runtime API: \(String(cString: strerror(errno)))")
        }
    }

    private func readResponse(deadline: Int64?) throws(ConnectionFailure) -> HTTPClient.Response {
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = find([13, 10, 13, 10], in: buffered)
            if headerEnd == nil, !(try fill(deadline: deadline)) {
                if buffered.isEmpty { throw .closedBeforeAnswer }
                throw .failed("the Runtime API closed the connection mid-answer")
            }
        }
        let end = headerEnd!
        let block = Array(buffered[0..<end])
        buffered.removeFirst(end + 4)
        guard let lineEnd = find([13, 10], in: block) ?? Optional(block.count) else { throw .failed("no status line") }
        let statusLine = block[0..<lineEnd].split(separator: UInt8(ascii: " "), maxSplits: 2)
        guard statusLine.count >= 2, let status = Int(String(decoding: statusLine[1], as: UTF8.self)) else {
            throw .failed("the Runtime API sent no HTTP status line")
        }
        let headers = block.withUnsafeBufferPointer { parseHeaders(UnsafeBufferPointer(rebasing: $0[min(lineEnd + 2, $0.count)...])) }

        var body: [UInt8] = []
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = try readChunked(deadline: deadline)
        } else if let lengthText = headers["content-length"] {
            guard let length = Int(lengthText.trimmingSpaces), length >= 0 else { throw .failed("the Runtime API sent a bad Content-Length") }
            while buffered.count < length {
                guard try fill(deadline: deadline) else { throw .failed("the Runtime API closed the connection mid-body") }
            }
            body = Array(buffered[0..<length])
            buffered.removeFirst(length)
        } else if status != 204 && status != 304 {
            while try fill(deadline: deadline) {}
            body = buffered
            buffered.removeAll()
            disconnect()
        }
        if headers["connection"]?.lowercased() == "close" { disconnect() }
        return HTTPClient.Response(status: status, headers: headers, body: body)
    }

    private func readChunked(deadline: Int64?) throws(ConnectionFailure) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            var lineEnd = find([13, 10], in: buffered)
            while lineEnd == nil {
                guard try fill(deadline: deadline) else { throw .failed("the Runtime API closed the connection mid-chunk") }
                lineEnd = find([13, 10], in: buffered)
            }
            let sizeText = String(decoding: buffered[0..<lineEnd!], as: UTF8.self).split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingSpaces, radix: 16), size >= 0, size <= Int.max - 2 - lineEnd! - 2 else {
                throw .failed("the Runtime API sent a bad chunk size")
            }
            let needed = lineEnd! + 2 + size + 2
            while buffered.count < needed {
                guard try fill(deadline: deadline) else { throw .failed("the Runtime API closed the connection mid-chunk") }
            }
            body.append(contentsOf: buffered[(lineEnd! + 2)..<(lineEnd! + 2 + size)])
            buffered.removeFirst(needed)
            // The last chunk; trailers are not used by the Runtime API, and its CRLF was taken above.
            if size == 0 { return body }
        }
    }
}

#if canImport(Glibc)
private let noSignalFlag = Int32(MSG_NOSIGNAL)
#else
private let noSignalFlag: Int32 = 0
#endif

private func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
    guard haystack.count >= needle.count else { return nil }
    return haystack.withUnsafeBufferPointer { bytes in
        var index = 0
        outer: while index + needle.count <= bytes.count {
            for offset in 0..<needle.count where bytes[index + offset] != needle[offset] {
                index += 1
                continue outer
            }
            return index
        }
        return nil
    }
}

private func monotonicMilliseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}

private extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return String(text)
    }
}

// The BSD socket calls under names that do not collide with this type's own `connect`/`send`.
private func Glibc_socket(_ family: Int32, _ type: Int32, _ proto: Int32) -> Int32 { socket(family, type, proto) }
private func Glibc_connect(_ descriptor: Int32, _ address: UnsafePointer<sockaddr>?, _ length: socklen_t) -> Int32 { connect(descriptor, address, length) }
private func Glibc_send(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int, _ flags: Int32) -> Int { send(descriptor, bytes, count, flags) }
