/// An error from below a handler (the database, a cloud API) that knows which platform error a
/// caller should see. The router answers with it, so a failure a handler does not map itself
/// still reaches the caller as `{"error","error_description"}` with a fitting status.
public protocol HTTPErrorConvertible: Error {
    var httpError: HTTPError { get }
}

extension HTTPError {
    /// A failure that is nobody's input: logged with the request id, answered without internals.
    public static func internalError(requestID: String) -> HTTPError {
        HTTPError(status: 500, error: "server_error", description: "the request failed on the platform's side; quote request id \(requestID) when reporting it")
    }

    /// Something the platform depends on is down or throttling: worth retrying after `seconds`.
    public static func unavailable(_ error: String, _ description: String, retryAfterSeconds seconds: Int) -> HTTPError {
        HTTPError(status: 503, error: error, description: description, headers: ["retry-after": String(seconds)])
    }
}
