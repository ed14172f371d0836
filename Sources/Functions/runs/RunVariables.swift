import Database
import Domain
import FoundationEssentials
import Runtime

/// A run's input variables, checked before they are stored: Terraform identifiers as names, at
/// most 100 of them and 64 KiB in all, no NUL anywhere (Postgres cannot keep it).
struct RunVariables {
    let json: JSONText

    init(_ variables: [String: AttributeValue]) throws {
        guard variables.count <= 100 else { throw HTTPError.badRequest("at most 100 variables") }
        for (name, value) in variables {
            guard name.wholeMatch(of: /[A-Za-z_][A-Za-z0-9_-]{0,63}/) != nil else {
                throw HTTPError.badRequest("variable names are Terraform identifiers (letters, digits, '_' and '-', at most 64)")
            }
            guard !Self.containsNUL(value) else { throw HTTPError.badRequest("variable \(name) holds a NUL character") }
        }
        json = try JSONText(encoding: variables)
        guard json.text.utf8.count <= 64 << 10 else { throw HTTPError.badRequest("variables may hold at most 64 KiB in all") }
    }

    static func containsNUL(_ value: AttributeValue) -> Bool {
        switch value {
        case .string(let text): text.utf8.contains(0)
        case .array(let values): values.contains(where: containsNUL)
        case .object(let members): members.contains { $0.key.utf8.contains(0) || containsNUL($0.value) }
        case .null, .bool, .number: false
        }
    }
}
