import Foundation

/// `zcp exec`'s loopback credential server: for the life of the command it answers the AWS
/// SDKs' container credentials provider (`AWS_CONTAINER_CREDENTIALS_FULL_URI` +
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`) with credentials held in memory and renewed while more
/// than 15 minutes are left, so a Terraform apply that outlives one set keeps working and no
/// credential is written to disk. Only 127.0.0.1; only requests carrying the random token.
public final class CredentialServer: @unchecked Sendable {
    public let port: UInt16
    public let authorizationToken: String
    private let listener: Int32
    private let credentials: () throws -> AWSCredentials
    private let lock = NSLock()
    private var current: AWSCredentials?

    public init(credentials: @escaping () throws -> AWSCredentials) throws(CLIError) {
        self.credentials = credentials
        var bytes = [UInt8](repeating: 0, count: 32)
        for index in bytes.indices { bytes[index] = UInt8.random(in: 0...255) }
        authorizationToken = bytes.map { String(format: "%02x", $0) }.joined()

        #if canImport(Glibc)
        let socketType = Int32(SOCK_STREAM.rawValue)
        #else
        let socketType = SOCK_STREAM
        #endif
        let descriptor = socket(AF_INET, socketType, 0)
        guard descriptor >= 0 else { throw .failure("cannot open a loopback socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(descriptor, pointer, length) == 0 && listen(descriptor, 16) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw .failure("cannot listen on 127.0.0.1: \(String(cString: strerror(errno)))")
        }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        listener = descriptor
        port = UInt16(bigEndian: address.sin_port)
    }

    public var url: String { "http://127.0.0.1:\(port)/aws" }

    /// Serves until the process ends (a thread of its own; the command runs beside it).
    public func start() {
        let thread = Thread { [self] in
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 { if errno == EINTR { continue }; return }
                _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
                DispatchQueue.global().async { self.serve(connection) }
            }
        }
        thread.start()
    }

    /// The credentials to hand out, renewed from the platform when fewer than 15 minutes are left.
    public func fresh() throws -> AWSCredentials {
        lock.lock()
        defer { lock.unlock() }
        if let current, current.isFresh() { return current }
        let renewed = try credentials()
        current = renewed
        return renewed
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while request.count < 16_384, !request.ends(with: [13, 10, 13, 10]) {
            let count = read(connection, &buffer, buffer.count)
            if count <= 0 { return }
            request += buffer[0..<count]
        }
        let lines = String(decoding: request, as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = lines.first?.split(separator: " ") ?? []
        let authorization = lines.dropFirst().first { $0.lowercased().hasPrefix("authorization:") }
            .map { String($0.dropFirst("authorization:".count)).trimmingCharacters(in: .whitespaces) }
        let status: String, body: String
        if requestLine.count < 2 || requestLine[0] != "GET" || requestLine[1] != "/aws" {
            (status, body) = ("404 Not Found", #"{"error":"not_found","error_description":"only GET /aws is served here"}"#)
        } else if !constantTimeEqual(authorization ?? "", authorizationToken) {
            (status, body) = ("401 Unauthorized", #"{"error":"unauthorized","error_description":"the authorization token is missing or wrong"}"#)
        } else {
            do {
                (status, body) = ("200 OK", try fresh().containerCredentialsJSON)
            } catch {
                let message = (error as? CLIError)?.message ?? "\(error)"
                (status, body) = ("503 Service Unavailable", jsonText(["error": "credentials_unavailable", "error_description": message]))
            }
        }
        let response = "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n\(body)"
        let bytes = Array(response.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
            if count <= 0 { return }
            sent += count
        }
    }
}

func constantTimeEqual(_ left: String, _ right: String) -> Bool {
    let a = Array(left.utf8), b = Array(right.utf8)
    guard a.count == b.count else { return false }
    return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
}

extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
