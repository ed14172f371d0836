import Runtime

/// How one invocation ended, as the gateway saw it.
public enum InvocationOutcome: Sendable {
    /// The function's response body.
    case response([UInt8])
    /// The function reported an error (`/error`), or its init failed.
    case functionError(FunctionError)
    /// No answer before the function's timeout; the process was replaced.
    case timedOut(seconds: Int)
    /// The process died mid-invocation.
    case crashed(String)
}
