import Runtime

/// The cheapest possible function, so the benchmark measures the runtime and nothing else.
struct NoOp: LambdaHandler {
    struct Empty: Codable, Sendable {}
    init(context: InitContext) async throws {}
    func handle(_ event: Empty, context: LambdaContext) async throws -> Empty { Empty() }
}

await Lambda.run(NoOp.self)
