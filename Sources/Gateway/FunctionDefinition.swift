/// One `AWS::Serverless::Function` of the deployment template, as the gateway runs it.
public struct FunctionDefinition: Sendable, Equatable {
    /// The template's logical id, e.g. `HealthFunction`.
    public let logicalID: String
    /// The built executable: the `Handler` (provided runtimes pass it on as `_HANDLER`), or for a
    /// `bootstrap` handler the last component of `CodeUri` (`../.build/lambda/health/` → `health`).
    public let executable: String
    public let timeoutSeconds: Int
    public let memoryMegabytes: Int
    /// Literal environment values from the template; the gateway's own environment wins over them.
    public let environment: [String: String]
    public let routes: [HTTPRoute]
    public let schedules: [Schedule]

    /// Names the invoke API accepts: the logical id or the executable name.
    public func isNamed(_ name: String) -> Bool { name == logicalID || name == executable }
}

/// An `HttpApi` event: `GET /api/cloud-identities/{id}`.
public struct HTTPRoute: Sendable, Equatable {
    public let method: String
    public let path: String
    public var routeKey: String { "\(method == "ANY" ? "ANY" : method) \(path)" }
}

/// A `Schedule` event: `rate(5 minutes)`, with an optional constant `Input` event.
public struct Schedule: Sendable, Equatable {
    public let name: String
    public let expression: String
    public let intervalSeconds: Int?
    public let input: String?
    public let enabled: Bool

    /// Seconds between firings for `rate(N unit)`; nil for cron expressions.
    static func interval(of expression: String) -> Int? {
        guard expression.hasPrefix("rate("), expression.hasSuffix(")") else { return nil }
        let parts = expression.dropFirst(5).dropLast().split(separator: " ")
        guard parts.count == 2, let count = Int(parts[0]), count > 0 else { return nil }
        switch parts[1] {
        case "minute", "minutes": return count * 60
        case "hour", "hours": return count * 3600
        case "day", "days": return count * 86400
        default: return nil
        }
    }
}
