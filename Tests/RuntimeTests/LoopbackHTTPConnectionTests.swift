import Foundation
import Testing
@testable import Runtime

/// A loopback server answering connection by connection with the given raw responses.
final class ScriptedLoopbackPeer: @unchecked Sendable {
    let descriptor: Int32
    let port: Int
    private let lock = NSLock()
    private var requestsSeen: [String] = []
    var requests: [String] { lock.withLock { requestsSeen } }

    init(connections: [(answers: [String], closeAfter: Bool)]) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) } }
        listen(listener, 8)
        descriptor = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in
            for connection in connections {
                let client = accept(listener, nil, nil)
                guard client >= 0 else { return }
                for answer in connection.answers {
                    guard let request = Self.readRequest(client) else { break }
                    lock.withLock { requestsSeen.append(request) }
                    _ = answer.utf8CString.withUnsafeBufferPointer { send(client, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
                }
                if connection.closeAfter { close(client) }
            }
        }
    }

    deinit { close(descriptor) }

    /// Head and Content-Length body of one request.
    static func readRequest(_ client: Int32) -> String? {
        var data = [UInt8]()
        var byte: UInt8 = 0
        while !(data.count >= 4 && Array(data.suffix(4)) == [13, 10, 13, 10]) {
            guard recv(client, &byte, 1, 0) == 1 else { return nil }
            data.append(byte)
        }
        let head = String(decoding: data, as: UTF8.self)
        let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
        var body = [UInt8](repeating: 0, count: length)
        var read = 0
        while read < length {
            let count = body.withUnsafeMutableBytes { recv(client, $0.baseAddress! + read, length - read, 0) }
            guard count > 0 else { return nil }
            read += count
        }
        return head + String(decoding: body, as: UTF8.self)
    }
}

/// The Runtime API client's own HTTP/1.1 against a scripted peer: each accepted connection gets
/// the next list of raw answers, one per request read, and is then closed (or left open).
@Suite struct LoopbackHTTPConnectionTests {
    @Test func keptAliveAnswersChunksAndCloseDelimitedBodies() throws {
        let peer = try ScriptedLoopbackPeer(connections: [(answers: [
            "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r-1\r\nContent-Length: 5\r\n\r\nfirst",
            "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end",
        ], closeAfter: true)])
        let connection = LoopbackHTTPConnection(endpoint: "127.0.0.1:\(peer.port)")
        let first = try connection.send(method: "GET", path: "/next", headers: [], body: [], timeoutMilliseconds: 5000)
        #expect(first.status == 200 && first.body == Array("first".utf8) && first.header("Lambda-Runtime-Aws-Request-Id") == "r-1")
        let second = try connection.send(method: "POST", path: "/response", headers: [("Content-Type", "application/json")], body: Array("{}".utf8), timeoutMilliseconds: 5000)
        #expect(second.status == 202 && second.body == Array("abcdefg".utf8))
        let third = try connection.send(method: "GET", path: "/next", headers: [], body: [], timeoutMilliseconds: 5000)
        #expect(third.body == Array("until the end".utf8))
        #expect(peer.requests.count == 3 && peer.requests[1].contains("Content-Length: 2") && peer.requests[1].hasSuffix("{}"))
    }

    /// A kept-alive connection the server closed while idle: the request goes out again on a new one.
    @Test func anIdleConnectionClosedByTheServerIsReplacedOnce() throws {
        let peer = try ScriptedLoopbackPeer(connections: [
            (answers: ["HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"], closeAfter: true),
            (answers: ["HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nagain"], closeAfter: true),
        ])
        let connection = LoopbackHTTPConnection(endpoint: "127.0.0.1:\(peer.port)")
        #expect(try connection.send(method: "GET", path: "/a", headers: [], body: [], timeoutMilliseconds: 5000).body == Array("ok".utf8))
        Thread.sleep(forTimeInterval: 0.1)
        #expect(try connection.send(method: "GET", path: "/b", headers: [], body: [], timeoutMilliseconds: 5000).body == Array("again".utf8))
    }

    @Test func aSilentPeerTimesOutAndNothingListeningIsAConnectError() throws {
        let peer = try ScriptedLoopbackPeer(connections: [(answers: [], closeAfter: false)])
        let silent = LoopbackHTTPConnection(endpoint: "127.0.0.1:\(peer.port)")
        #expect(throws: HTTPTransportError.self) { try silent.send(method: "GET", path: "/next", headers: [], body: [], timeoutMilliseconds: 200) }
        let nobody = LoopbackHTTPConnection(endpoint: "127.0.0.1:1")
        let refused = #expect(throws: HTTPTransportError.self) { try nobody.send(method: "GET", path: "/next", headers: [], body: [], timeoutMilliseconds: 200) }
        #expect(refused?.message.contains("cannot connect") == true)
    }

    @Test func malformedAnswersAreErrorsNotCrashes() throws {
        for answer in ["garbage\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n"] {
            let peer = try ScriptedLoopbackPeer(connections: [(answers: [answer], closeAfter: true)])
            let connection = LoopbackHTTPConnection(endpoint: "127.0.0.1:\(peer.port)")
            #expect(throws: HTTPTransportError.self, "\(answer)") { try connection.send(method: "GET", path: "/", headers: [], body: [], timeoutMilliseconds: 2000) }
        }
    }
}
