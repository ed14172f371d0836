/// At most `limit` AWS requests in flight for one scan, whatever the number of services and
/// regions collected at once: AWS throttles per account, and a Lambda has two cores.
actor RequestLimiter {
    private let limit: Int
    private var inFlight = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = max(1, limit) }

    func run<T: Sendable>(_ request: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await request()
    }

    private func acquire() async {
        if inFlight < limit {
            inFlight += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty { inFlight -= 1 } else { waiting.removeFirst().resume() }
    }
}
