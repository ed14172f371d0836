import Runtime

/// An AWS API's refusal, by its error code, so callers can act on the ones that matter.
public struct AWSError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: String
    public let message: String
    public let httpStatus: Int

    public init(code: String, message: String, httpStatus: Int) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
    }

    /// The role cannot be assumed (deleted, trust changed, wrong external ID) or a call is not allowed.
    public var isAccessDenied: Bool { ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"].contains(code) }
    public var isInvalidCredentials: Bool { ["InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException", "InvalidAccessKeyId"].contains(code) }
    public var isExpiredCredentials: Bool { ["ExpiredToken", "ExpiredTokenException", "RequestExpired"].contains(code) }
    /// "Not configured" answers, which a scan records as results rather than errors.
    public var isNotFound: Bool {
        code.hasPrefix("NoSuch") || code.hasSuffix("NotFound") || code.hasSuffix("NotFoundException") || code.hasSuffix("NotFoundError")
    }
    /// Worth retrying with backoff.
    public var isRetryable: Bool {
        httpStatus >= 500 || httpStatus == 429
            || ["Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled",
                "SlowDown", "PriorRequestNotComplete", "TransientError"].contains(code)
    }

    public var description: String { "\(code): \(message)" }

    static func transport(_ message: String) -> AWSError { AWSError(code: "TransportError", message: message, httpStatus: 0) }
}

extension AWSError: HTTPErrorConvertible {
    /// AWS failing is upstream's failure, never the caller's: 503 with `Retry-After` when AWS is
    /// throttling or briefly down, else 502, both as `aws_unavailable` with AWS's error code.
    public var httpError: HTTPError {
        let what = code == "TransportError" ? "AWS could not be reached (\(message))" : "AWS answered \(code) (HTTP \(httpStatus))"
        if isRetryable && httpStatus != 500 {
            return .unavailable("aws_unavailable", "\(what); retry in a few seconds", retryAfterSeconds: 5)
        }
        return HTTPError(status: 502, error: "aws_unavailable", description: "\(what) while the platform was calling it")
    }
}
