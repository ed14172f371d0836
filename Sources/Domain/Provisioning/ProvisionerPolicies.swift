/// What a provisioner role may carry. It may write — that is its point — but it must not be an
/// administrator nor able to become one: no `*` on `*` (or its `NotAction` twin), no IAM writes on
/// every resource, and no way to create or re-policy a role without a permissions boundary
/// (the runner would otherwise make itself a role with AdministratorAccess and assume it).
public enum ProvisionerPolicies {
    /// AWS-managed policies refused by name, whatever their document says.
    public static let refusedManaged: Set<String> = ["AdministratorAccess", "IAMFullAccess", "PowerUserAccess"]

    /// IAM actions that hand out permissions: allowed only with an `iam:PermissionsBoundary` condition.
    static let escalating: Set<String> = [
        "iam:createrole", "iam:putrolepermissionsboundary", "iam:attachrolepolicy", "iam:putrolepolicy",
        "iam:createuser", "iam:attachuserpolicy", "iam:putuserpolicy", "iam:putuserpermissionsboundary",
    ]

    public struct Review: Sendable, Equatable {
        /// Why the role is refused, one line per finding; empty when it may provision.
        public var problems: [String]
        /// The AWS services (action prefixes) the role's policies allow, sorted.
        public var services: [String]
    }

    /// The name of an AWS-managed policy ARN (`arn:aws:iam::aws:policy/Name`), or nil for a customer's own.
    public static func managedName(_ arn: String) -> String? {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "iam", parts[4] == "aws", parts[5].hasPrefix("policy/") else { return nil }
        return String(parts[5].split(separator: "/").last ?? "")
    }

    /// Judges every policy the role carries: `documents` are (name, parsed document) pairs.
    public static func review(_ documents: [(name: String, document: AttributeValue)]) -> Review {
        var problems: [String] = [], services: Set<String> = []
        for (name, document) in documents {
            if let managed = managedName(name), refusedManaged.contains(managed) {
                problems.append("\(name) makes the role an administrator (or lets it make itself one)")
                continue
            }
            for (index, statement) in IAMPolicyDocument.statements(document).enumerated() where statement["Effect"].string == "Allow" {
                let label = "\(name) statement \(statement["Sid"].string ?? String(index + 1))"
                let resources = IAMPolicyDocument.values(statement["Resource"])
                let onEverything = resources.contains("*") || !statement["NotResource"].isNull
                if !statement["NotAction"].isNull {
                    if onEverything { problems.append("\(label) allows every action but a few (NotAction) on every resource") }
                    continue
                }
                let actions = IAMPolicyDocument.values(statement["Action"]).map { $0.lowercased() }
                for action in actions {
                    let service = action.split(separator: ":").first.map(String.init) ?? action
                    if service != "*" { services.insert(service) }
                }
                if actions.contains(where: { $0 == "*" || $0 == "*:*" }) && onEverything {
                    problems.append("\(label) allows every action on every resource (\"*\" on \"*\")")
                    continue
                }
                let iamWrites = actions.filter(isIAMWrite)
                guard !iamWrites.isEmpty else { continue }
                if onEverything {
                    problems.append("\(label) allows IAM changes (\(iamWrites.joined(separator: ", "))) on every resource: limit them to roles under a path")
                } else if iamWrites.contains(where: { action in escalating.contains { matches(action, $0) } }), !requiresBoundary(statement["Condition"]) {
                    problems.append("\(label) lets the role create or change roles' permissions without the iam:PermissionsBoundary condition")
                }
            }
        }
        return Review(problems: problems, services: services.sorted())
    }

    /// `iam:*`, `iam:Create*`, `*` …: anything beyond reading IAM (lowercased actions).
    static func isIAMWrite(_ action: String) -> Bool {
        if action == "*" || action == "*:*" { return true }
        guard action.hasPrefix("iam:") else { return false }
        let verb = action.dropFirst(4)
        return !["get", "list", "generate", "simulate"].contains { verb.hasPrefix($0) }
    }

    /// Whether a (possibly wildcarded, `*` and `?`) action pattern covers a concrete action: a
    /// table over both, so a pattern of many stars costs length × length, never more.
    static func matches(_ pattern: String, _ action: String) -> Bool {
        let pattern = Array(pattern.utf8), text = Array(action.utf8)
        // matched[j]: pattern[..<i] matches text[..<j].
        var matched = [Bool](repeating: false, count: text.count + 1)
        matched[0] = true
        for symbol in pattern {
            var next = [Bool](repeating: false, count: text.count + 1)
            if symbol == UInt8(ascii: "*") {
                var any = false
                for j in 0...text.count {
                    any = any || matched[j]
                    next[j] = any
                }
            } else {
                for j in 1...max(1, text.count) where j <= text.count {
                    next[j] = matched[j - 1] && (symbol == UInt8(ascii: "?") || symbol == text[j - 1])
                }
            }
            matched = next
        }
        return matched[text.count]
    }

    /// `StringEquals` / `ArnEquals` (or `…Like`) on `iam:PermissionsBoundary`, without `IfExists`.
    static func requiresBoundary(_ condition: AttributeValue) -> Bool {
        guard case .object(let operators) = condition else { return false }
        return operators.contains { name, keys in
            !name.hasSuffix("IfExists") && !keys["iam:PermissionsBoundary"].isNull
        }
    }
}
