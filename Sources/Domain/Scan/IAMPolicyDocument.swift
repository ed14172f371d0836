/// Reading IAM policy documents (already parsed into attributes): the few questions checks ask.
enum IAMPolicyDocument {
    static func statements(_ document: AttributeValue) -> [AttributeValue] {
        let statement = document["Statement"]
        if case .object = statement { return [statement] }
        return statement.array
    }

    static func values(_ value: AttributeValue) -> [String] {
        if let single = value.string { return [single] }
        return value.array.compactMap(\.string)
    }

    /// `Allow` of `*` on `*`: full administrative access.
    static func allowsEverything(_ document: AttributeValue) -> Bool {
        statements(document).contains { statement in
            statement["Effect"].string == "Allow" && values(statement["Action"]).contains("*") && values(statement["Resource"]).contains("*")
        }
    }

    /// Some `Allow` statement's principal is everyone, without a condition narrowing it.
    static func allowsEveryone(_ document: AttributeValue) -> Bool {
        statements(document).contains { statement in
            let principal = statement["Principal"]
            let everyone = principal.string == "*" || values(principal["AWS"]).contains("*")
            return statement["Effect"].string == "Allow" && everyone && statement["Condition"].isNull
        }
    }

    /// A `Deny` when `aws:SecureTransport` is false.
    static func deniesInsecureTransport(_ document: AttributeValue) -> Bool {
        statements(document).contains { statement in
            let condition = statement["Condition"]["Bool"]["aws:SecureTransport"]
            return statement["Effect"].string == "Deny" && (condition.string == "false" || condition.bool == false)
        }
    }
}
