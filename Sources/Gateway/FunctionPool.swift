import Foundation
import Runtime

/// An event waiting for, or being handled by, one of a function's processes.
struct PendingInvocation: Sendable {
    let requestID: String
    let payload: [UInt8]
    let deadlineMilliseconds: Int64
    let traceID: String
}

/// The invocations of one function and the process slots that serve them, like Lambda's
/// concurrency: each slot runs one process that handles one event at a time. Events queue until
/// a slot asks for `next`; each has a deadline (the function's timeout) after which its caller
/// gets a timeout and the process that holds it is killed so the slot starts afresh.
actor FunctionPool {
    let definition: FunctionDefinition
    let slotCount: Int
    /// Kills the process of a slot (SIGKILL); the supervisor restarts it.
    private let killSlot: @Sendable (Int) -> Void

    private var queue: [PendingInvocation] = []
    private var idleSlots: [(slot: Int, continuation: CheckedContinuation<PendingInvocation?, Never>)] = []
    private var inFlight: [String: Int] = [:]  // request id → slot
    private var callers: [String: CheckedContinuation<InvocationOutcome, Never>] = [:]
    private var failedInit: [Int: FunctionError] = [:]
    /// Slots whose process is running. A `next` can arrive from a process that already died (its
    /// request was in flight); it must not be handed an event, nor hold up shutdown.
    private var liveSlots: Set<Int> = []
    private var closed = false

    init(definition: FunctionDefinition, slotCount: Int, killSlot: @escaping @Sendable (Int) -> Void) {
        self.definition = definition
        self.slotCount = slotCount
        self.killSlot = killSlot
    }

    /// Runs one event through the function and waits for its outcome.
    func invoke(payload: [UInt8]) async -> InvocationOutcome {
        let requestID = UUID().uuidString.lowercased()
        let timeout = definition.timeoutSeconds
        let pending = PendingInvocation(
            requestID: requestID, payload: payload,
            deadlineMilliseconds: Int64(Date().timeIntervalSince1970 * 1000) + Int64(timeout) * 1000,
            traceID: "Root=1-\(String(Int(Date().timeIntervalSince1970), radix: 16))-\(requestID.replacingOccurrences(of: "-", with: "").prefix(24));Sampled=0")
        if failedInit.count == slotCount, let error = failedInit.values.first {
            return .functionError(error)
        }
        if closed { return .crashed("was stopped with the gateway") }
        return await withCheckedContinuation { continuation in
            callers[requestID] = continuation
            dispatch(pending)
            Task { [weak self] in
                try? await Task.sleep(for: .seconds(timeout))
                await self?.expire(requestID)
            }
        }
    }

    /// A slot's process asks for its next event; nil tells a process that is gone to stop asking.
    func next(slot: Int) async -> PendingInvocation? {
        guard !closed, liveSlots.contains(slot) else { return nil }
        // One process per slot: an older waiting `next` can only be a dead process's.
        for (index, idle) in idleSlots.enumerated().reversed() where idle.slot == slot {
            idleSlots.remove(at: index).continuation.resume(returning: nil)
        }
        failedInit[slot] = nil
        if !queue.isEmpty {
            let pending = queue.removeFirst()
            inFlight[pending.requestID] = slot
            return pending
        }
        return await withCheckedContinuation { continuation in
            idleSlots.append((slot, continuation))
        }
    }

    /// The answer for an invocation; false when it is unknown (already answered, or expired).
    func complete(requestID: String, slot: Int, outcome: InvocationOutcome) -> Bool {
        guard inFlight[requestID] == slot else { return false }
        inFlight[requestID] = nil
        callers.removeValue(forKey: requestID)?.resume(returning: outcome)
        return true
    }

    /// The slot's init failed: while every slot fails, callers get the init error at once.
    func initFailed(slot: Int, error: FunctionError) {
        failedInit[slot] = error
        guard failedInit.count == slotCount else { return }
        let waiting = queue
        queue.removeAll()
        for pending in waiting {
            callers.removeValue(forKey: pending.requestID)?.resume(returning: .functionError(error))
        }
    }

    func processStarted(slot: Int) {
        liveSlots.insert(slot)
    }

    /// The gateway is stopping: no more events; every waiting caller and process is let go.
    func close() {
        closed = true
        idleSlots.forEach { $0.continuation.resume(returning: nil) }
        idleSlots.removeAll()
        queue.removeAll()
        inFlight.removeAll()
        callers.values.forEach { $0.resume(returning: .crashed("was stopped with the gateway")) }
        callers.removeAll()
    }

    /// The slot's process exited: its event (if any) failed with it, and its `next` is void.
    func processExited(slot: Int, status: String) {
        liveSlots.remove(slot)
        for (index, idle) in idleSlots.enumerated().reversed() where idle.slot == slot {
            idleSlots.remove(at: index).continuation.resume(returning: nil)
        }
        for (requestID, holder) in inFlight where holder == slot {
            inFlight[requestID] = nil
            callers.removeValue(forKey: requestID)?.resume(returning: .crashed(status))
        }
    }

    private func dispatch(_ pending: PendingInvocation) {
        if idleSlots.isEmpty {
            queue.append(pending)
        } else {
            let idle = idleSlots.removeFirst()
            inFlight[pending.requestID] = idle.slot
            idle.continuation.resume(returning: pending)
        }
    }

    private func expire(_ requestID: String) {
        guard let caller = callers.removeValue(forKey: requestID) else { return }
        queue.removeAll { $0.requestID == requestID }
        if let slot = inFlight.removeValue(forKey: requestID) {
            killSlot(slot)
        }
        caller.resume(returning: .timedOut(seconds: definition.timeoutSeconds))
    }
}
