import Cloud
import Runtime

/// Lambda's Invoke API, for one function starting another in the background.
public final class LambdaClient: Sendable {
    let transport: AWSTransport

    public init(region: String, credentials: AWSCredentials, environment: Environment = Environment(), maximumAttempts: Int = 4) {
        transport = AWSTransport(service: "lambda", region: region, credentials: credentials, environment: environment, maximumAttempts: maximumAttempts)
    }

    /// `InvocationType: Event`: Lambda queues the event and answers 202 at once.
    public func invokeAsynchronously(function: String, payload: [UInt8]) async throws(AWSError) {
        _ = try await transport.send(
            method: "POST", path: "/2015-03-31/functions/\(function)/invocations",
            headers: [("Content-Type", "application/json"), ("X-Amz-Invocation-Type", "Event")], body: payload,
            error: AWSError.init(jsonResponse:))
    }
}
