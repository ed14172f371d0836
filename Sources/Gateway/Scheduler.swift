import Foundation
import Logging

/// Fires each enabled `rate(...)` schedule as an EventBridge "Scheduled Event" (or the schedule's
/// constant `Input`), asynchronously, like EventBridge invoking a Lambda function.
struct Scheduler: Sendable {
    let pools: [(definition: FunctionDefinition, pool: FunctionPool)]
    /// When set, every schedule fires this often instead of its own rate (to try schedules locally).
    let intervalOverride: Duration?
    let logger: Logger

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            for (definition, pool) in pools {
                for schedule in definition.schedules where schedule.enabled {
                    guard let interval = intervalOverride ?? schedule.intervalSeconds.map({ Duration.seconds($0) }) else {
                        logger.notice("cron schedules are not fired locally; invoke the function instead",
                                      metadata: ["function": "\(definition.logicalID)", "schedule": "\(schedule.expression)"])
                        continue
                    }
                    group.addTask { await fire(schedule, of: definition, on: pool, every: interval) }
                }
            }
        }
    }

    private func fire(_ schedule: Schedule, of definition: FunctionDefinition, on pool: FunctionPool, every interval: Duration) async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            let payload = Array((schedule.input ?? Self.scheduledEvent(rule: "\(definition.logicalID)\(schedule.name)")).utf8)
            Task {
                let outcome = await pool.invoke(payload: payload)
                if case .response = outcome { return }
                logger.error("scheduled invocation failed", metadata: ["function": "\(definition.logicalID)", "outcome": "\(outcome)"])
            }
        }
    }

    static func scheduledEvent(rule: String) -> String {
        let time = ISO8601DateFormatter().string(from: Date())
        return #"{"version":"0","id":"\#(UUID().uuidString.lowercased())","detail-type":"Scheduled Event","source":"aws.events","account":"000000000000","time":"\#(time)","region":"us-east-1","resources":["arn:aws:events:us-east-1:000000000000:rule/\#(rule)"],"detail":{}}"#
    }
}
