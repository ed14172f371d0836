import FoundationEssentials
import Logging

/// What one invocation knows about itself.
public struct LambdaContext: Sendable {
    public let requestID: String
    /// Milliseconds since the Unix epoch after which the platform stops the invocation.
    public let deadlineMilliseconds: Int64
    public let invokedFunctionARN: String
    public let traceID: String?
    /// Carries `requestId` and `function` metadata, so every line a handler logs can be traced.
    public let logger: Logger

    public init(requestID: String, deadlineMilliseconds: Int64, invokedFunctionARN: String, traceID: String?, logger: Logger) {
        self.requestID = requestID
        self.deadlineMilliseconds = deadlineMilliseconds
        self.invokedFunctionARN = invokedFunctionARN
        self.traceID = traceID
        self.logger = logger
    }

    /// Time left before the deadline (negative once it has passed).
    public var remainingTime: Duration {
        .milliseconds(deadlineMilliseconds - currentEpochMilliseconds())
    }
}

func currentEpochMilliseconds() -> Int64 {
    Int64((Date().timeIntervalSince1970 * 1000).rounded())
}
