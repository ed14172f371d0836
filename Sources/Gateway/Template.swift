import Foundation
import Yams

public struct TemplateError: Error, CustomStringConvertible {
    public let description: String
}

/// Reads the functions, their HTTP routes and schedules from the SAM template that also deploys
/// them, so local and deployed routing cannot drift apart.
public enum Template {
    public static func load(path: String) throws -> [FunctionDefinition] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TemplateError(description: "cannot read template \(path)")
        }
        return try parse(text)
    }

    public static func parse(_ text: String) throws -> [FunctionDefinition] {
        guard let node = try Yams.compose(yaml: text), let root = plain(node) as? [String: Any] else {
            throw TemplateError(description: "the template is not a YAML mapping")
        }
        let globals = (root["Globals"] as? [String: Any])?["Function"] as? [String: Any] ?? [:]
        guard let resources = root["Resources"] as? [String: Any] else { throw TemplateError(description: "the template has no Resources") }

        var functions: [FunctionDefinition] = []
        for (logicalID, value) in resources.sorted(by: { $0.key < $1.key }) {
            guard let resource = value as? [String: Any], resource["Type"] as? String == "AWS::Serverless::Function" else { continue }
            let properties = resource["Properties"] as? [String: Any] ?? [:]
            // The Handler names the executable (provided runtimes pass it on as _HANDLER); a template
            // whose Handler is `bootstrap` names it by its CodeUri folder instead.
            let handler = (properties["Handler"] ?? globals["Handler"]) as? String
            let codeURIName = ((properties["CodeUri"] ?? globals["CodeUri"]) as? String)?.split(separator: "/").last.map(String.init)
            guard let executable = handler.flatMap({ $0 == "bootstrap" ? nil : $0 }) ?? codeURIName, !executable.isEmpty, executable != ".." else {
                throw TemplateError(description: "\(logicalID) has no Handler naming its executable")
            }
            var routes: [HTTPRoute] = []
            var schedules: [Schedule] = []
            for (eventName, eventValue) in (properties["Events"] as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
                guard let event = eventValue as? [String: Any], let type = event["Type"] as? String else { continue }
                let eventProperties = event["Properties"] as? [String: Any] ?? [:]
                switch type {
                case "HttpApi":
                    guard let method = eventProperties["Method"] as? String, let path = eventProperties["Path"] as? String else {
                        throw TemplateError(description: "\(logicalID).\(eventName): an HttpApi event needs Method and Path")
                    }
                    routes.append(HTTPRoute(method: method.uppercased(), path: path))
                case "Schedule", "ScheduleV2":
                    guard let expression = (eventProperties["Schedule"] ?? eventProperties["ScheduleExpression"]) as? String else {
                        throw TemplateError(description: "\(logicalID).\(eventName): a Schedule event needs a Schedule expression")
                    }
                    let enabled = (eventProperties["Enabled"] as? Bool) ?? ((eventProperties["State"] as? String).map { $0 == "ENABLED" } ?? true)
                    schedules.append(Schedule(name: eventName, expression: expression, intervalSeconds: Schedule.interval(of: expression),
                                              input: eventProperties["Input"] as? String, enabled: enabled))
                default:
                    continue
                }
            }
            functions.append(FunctionDefinition(
                logicalID: logicalID, executable: executable,
                timeoutSeconds: integer(properties["Timeout"] ?? globals["Timeout"]) ?? 3,
                memoryMegabytes: integer(properties["MemorySize"] ?? globals["MemorySize"]) ?? 128,
                environment: literalVariables(globals).merging(literalVariables(properties)) { $1 },
                routes: routes, schedules: schedules))
        }
        return functions
    }

    /// A CloudFormation short-form function (`!Ref`, `!Sub`, `!GetAtt`): resolved on AWS only.
    struct Intrinsic {
        let tag: String
    }

    private static func plain(_ node: Node) -> Any {
        let tag = node.tag.rawValue
        if tag.hasPrefix("!"), tag != "!" { return Intrinsic(tag: tag) }
        switch node {
        case .mapping(let mapping):
            var dictionary: [String: Any] = [:]
            for (key, value) in mapping { dictionary[key.string ?? ""] = plain(value) }
            return dictionary
        case .sequence(let sequence):
            return sequence.map(plain)
        default:
            return node.any
        }
    }

    private static func integer(_ value: Any?) -> Int? {
        if let value = value as? Int { return value }
        return (value as? String).flatMap { Int($0) }
    }

    /// Only literal values; references (`!Ref`, `!GetAtt`) resolve on AWS, not here.
    private static func literalVariables(_ properties: [String: Any]) -> [String: String] {
        let variables = ((properties["Environment"] as? [String: Any])?["Variables"] as? [String: Any]) ?? [:]
        var literal: [String: String] = [:]
        for (name, value) in variables {
            switch value {
            case let string as String: literal[name] = string
            case let number as Int: literal[name] = String(number)
            case let flag as Bool: literal[name] = String(flag)
            default: continue
            }
        }
        return literal
    }
}
