import FoundationEssentials

/// A customer role's trust policy, judged for the confused deputy: every statement that lets the
/// platform's account call `sts:AssumeRole` must also require, with `StringEquals` on
/// `sts:ExternalId`, exactly this workspace's external ID. Otherwise any other workspace of the
/// platform could connect the same role and get into the account.
///
/// The rule is deliberately strict about what it does not fully understand: a wildcard or an
/// `"*"` principal, `NotPrincipal`, `StringLike`, `…IfExists` or `ForAllValues:` operators (which
/// pass when the key is absent), or a second accepted value all count as unpinned.
public enum RoleTrustPolicy {
    /// What is wrong with the trust policy, one line per statement; empty when it pins the external ID.
    public static func problems(document: AttributeValue, platformAccount: String, externalID: String) -> [String] {
        var problems: [String] = []
        var pinned = false
        for (index, statement) in IAMPolicyDocument.statements(document).enumerated() {
            guard statement["Effect"].string == "Allow", allowsAssumeRole(statement) else { continue }
            let name = statement["Sid"].string.map { "statement \($0)" } ?? "statement \(index + 1)"
            switch principal(of: statement, platformAccount: platformAccount) {
            case .others:
                continue
            case .everyone(let why):
                problems.append("\(name) \(why): anyone who learns the external ID could assume the role; name the platform's account instead")
            case .platform:
                if pinsExternalID(statement["Condition"], to: externalID) {
                    pinned = true
                } else {
                    problems.append("\(name) lets the platform's account assume the role without the condition \"StringEquals\": {\"sts:ExternalId\": \"<this workspace's external ID>\"}")
                }
            }
        }
        if problems.isEmpty && !pinned {
            problems.append("no statement lets the platform's account assume the role with this workspace's external ID")
        }
        return problems
    }

    /// The policy document's JSON (IAM's `GetRole` percent-encodes it: decode that first).
    public static func parse(_ json: String) -> AttributeValue? {
        guard let document = try? JSONDecoder().decode(AttributeValue.self, from: Data(json.utf8)), case .object = document else { return nil }
        return document
    }

    enum Principal {
        case platform
        case everyone(String)
        case others
    }

    static func principal(of statement: AttributeValue, platformAccount: String) -> Principal {
        if !statement["NotPrincipal"].isNull { return .everyone("uses NotPrincipal, which trusts every account it does not name") }
        let principal = statement["Principal"]
        if principal.string == "*" { return .everyone("trusts every principal (\"Principal\": \"*\")") }
        var result = Principal.others
        for entry in IAMPolicyDocument.values(principal["AWS"]) {
            if entry.contains("*") || entry.contains("?") { return .everyone("trusts a wildcard principal (\(entry))") }
            if account(of: entry) == platformAccount { result = .platform }
        }
        return result
    }

    /// `123456789012`, `arn:aws:iam::123456789012:root`, `arn:aws:iam::123456789012:role/x` → the account.
    static func account(of principal: String) -> String? {
        if principal.count == 12, principal.allSatisfy(\.isASCIIDigit) { return principal }
        let parts = principal.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn" else { return nil }
        return String(parts[4])
    }

    static func allowsAssumeRole(_ statement: AttributeValue) -> Bool {
        if !statement["NotAction"].isNull {
            return !IAMPolicyDocument.values(statement["NotAction"]).contains { matches(pattern: $0, "sts:AssumeRole") }
        }
        return IAMPolicyDocument.values(statement["Action"]).contains { matches(pattern: $0, "sts:AssumeRole") }
    }

    /// `StringEquals` (exactly that operator) on `sts:ExternalId` with this one value.
    static func pinsExternalID(_ condition: AttributeValue, to externalID: String) -> Bool {
        guard case .object(let operators) = condition, case .object(let keys)? = operators["StringEquals"] else { return false }
        guard let value = keys.first(where: { $0.key.lowercased() == "sts:externalid" })?.value else { return false }
        return IAMPolicyDocument.values(value) == [externalID] && (value.string != nil || value.array.count == 1)
    }

    /// IAM action matching: case-insensitive, `*` any run of characters, `?` one character.
    static func matches(pattern: String, _ action: String) -> Bool {
        let pattern = Array(pattern.lowercased()), text = Array(action.lowercased())
        var p = 0, t = 0, star = -1, mark = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "?" || pattern[p] == text[t] {
                p += 1; t += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p; mark = t; p += 1
            } else if star >= 0 {
                p = star + 1; mark += 1; t = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
