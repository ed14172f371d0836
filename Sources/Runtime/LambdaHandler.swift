import Logging

/// A function: a typed event in, a typed output out.
///
/// `init(context:)` runs once per process, before the first event (Lambda's init phase): read
/// configuration, open connections. If it throws, the error is reported to `/runtime/init/error`
/// and the process exits non-zero. `handle` runs once per event; a thrown error is reported for
/// that invocation only and the process goes on serving.
public protocol LambdaHandler: Sendable {
    associatedtype Event: Decodable & Sendable
    associatedtype Output: Encodable & Sendable

    init(context: InitContext) async throws
    func handle(_ event: Event, context: LambdaContext) async throws -> Output
}

/// What a handler's init step may use.
public struct InitContext: Sendable {
    public let functionName: String
    public let logger: Logger
    public let environment: Environment
}
