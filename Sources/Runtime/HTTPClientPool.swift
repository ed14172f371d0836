import Dispatch
import Synchronization

/// Kept-alive HTTP connections for concurrent callers: each request borrows an idle libcurl
/// handle (or makes one) and gives it back. libcurl blocks, so each request runs on a dispatch
/// thread rather than a Swift concurrency thread: many concurrent requests must not starve the
/// cooperative pool.
public final class HTTPClientPool: Sendable {
    private let idle = Mutex<[Connection]>([])
    private let maximumIdle: Int

    public init(maximumIdle: Int = 16) {
        self.maximumIdle = maximumIdle
    }

    public func send(_ request: HTTPClient.Request) async -> Result<HTTPClient.Response, HTTPTransportError> {
        let connection = idle.withLock { $0.popLast() } ?? Connection()
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPClient.Response, HTTPTransportError>, Never>) in
            DispatchQueue.global().async {
                continuation.resume(returning: Result { () throws(HTTPTransportError) in try connection.client.send(request) })
            }
        }
        idle.withLock { if $0.count < maximumIdle { $0.append(connection) } }
        return result
    }

    /// One libcurl handle, used by one request at a time (the pool hands it out and takes it back).
    private final class Connection: @unchecked Sendable {
        let client = HTTPClient()
    }
}
