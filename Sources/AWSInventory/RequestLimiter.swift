/// At most `limit` AWS requests in flight for one scan, whatever the number of services and
/// regions collected at once: AWS throttles per account, and a Lambda has two cores. Once the
/// scan's task is cancelled (the scan was cancelled or its identity revoked), no request starts.
actor RequestLimiter {
    private let limit: Int
    private var inFlight = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { self.limit = max(1, limit) }

    func run<T: Sendable>(_ request: @Sendable () async throws -> T) async throws -> T {
        try Task.checkCancellation()
        await acquire()
        defer { release() }
        try Task.checkCancellation()
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

extension Sequence where Element: Sendable {
    /// `transform` on every element at once (the request limiter bounds what reaches AWS), in order.
    func concurrentMap<T: Sendable>(_ transform: @escaping @Sendable (Element) async throws -> T) async throws -> [T] {
        try await withThrowingTaskGroup(of: Indexed<T>.self) { group in
            for (index, element) in enumerated() {
                group.addTask { Indexed(index: index, value: try await transform(element)) }
            }
            var results: [Indexed<T>] = []
            for try await result in group { results.append(result) }
            return results.sorted { $0.index < $1.index }.map(\.value)
        }
    }
}

/// A task group's result with its position. A struct, not a tuple: release builds crashed copying
/// tuple results of task groups (Swift 6.3.1).
private struct Indexed<T: Sendable>: Sendable {
    let index: Int
    let value: T
}
