import AWSAPI
import Domain
import FoundationEssentials
import Runtime

/// IAM (global): the account summary, the password policy, users with their console access, MFA
/// devices and access keys, and attached customer-managed policies with their documents.
enum IAMCollector {
    static func collect(_ session: AWSSession, _ region: String) async throws -> [CloudResource] {
        let iam = try await session.query("iam", version: "2010-05-08", region: region)
        let account = session.account
        func resource(_ arn: String, _ type: String, _ attributes: AttributeValue) -> CloudResource {
            CloudResource(arn: arn, type: type, service: "iam", region: "global", attributes: attributes)
        }

        let summary = try await iam.call("GetAccountSummary").path("GetAccountSummaryResult", "SummaryMap", "entry")
        var summaryAttributes: [String: AttributeValue] = [:]
        for entry in summary { if let key = entry["key"], let value = entry["value"].flatMap(Double.init) { summaryAttributes[key] = .number(value) } }
        var resources = [resource("arn:aws:iam::\(account):root", "AWS::IAM::AccountSummary", .object(summaryAttributes))]

        var policy: AttributeValue = ["exists": false]
        do {
            let found = try await iam.call("GetAccountPasswordPolicy").path("GetAccountPasswordPolicyResult", "PasswordPolicy").first
            policy = ["exists": true, "MinimumPasswordLength": attribute(number: found?["MinimumPasswordLength"]),
                      "PasswordReusePrevention": attribute(number: found?["PasswordReusePrevention"])]
        } catch let error as AWSError where error.isNotFound {}
        resources.append(resource("arn:aws:iam::\(account):password-policy", "AWS::IAM::PasswordPolicy", policy))

        let users = try await iam.pages("ListUsers", token: .marker).flatMap { $0.path("ListUsersResult", "Users", "member") }
        resources += try await withThrowingTaskGroup(of: CloudResource.self) { group in
            for user in users {
                guard let name = user["UserName"], let arn = user["Arn"] else { continue }
                group.addTask { resource(arn, "AWS::IAM::User", try await userAttributes(name, iam: iam)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }

        let policies = try await iam.pages("ListPolicies", [("Scope", "Local"), ("OnlyAttached", "true")], token: .marker)
            .flatMap { $0.path("ListPoliciesResult", "Policies", "member") }
        resources += try await withThrowingTaskGroup(of: CloudResource.self) { group in
            for policy in policies {
                guard let arn = policy["Arn"], let version = policy["DefaultVersionId"] else { continue }
                group.addTask {
                    let document = try await iam.call("GetPolicyVersion", [("PolicyArn", arn), ("VersionId", version)]).value("Document")
                    return resource(arn, "AWS::IAM::Policy", [
                        "name": .string(policy["PolicyName"] ?? ""), "attachmentCount": attribute(number: policy["AttachmentCount"]),
                        "document": PolicyJSON.parse(urlEncoded: document),
                    ])
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        return resources
    }

    static func userAttributes(_ name: String, iam: LimitedQueryClient) async throws -> AttributeValue {
        var console = true
        do { _ = try await iam.call("GetLoginProfile", [("UserName", name)]) } catch let error as AWSError where error.isNotFound { console = false }
        let devices = try await iam.call("ListMFADevices", [("UserName", name)]).path("ListMFADevicesResult", "MFADevices", "member").count
        var keys: [AttributeValue] = []
        for key in try await iam.call("ListAccessKeys", [("UserName", name)]).path("ListAccessKeysResult", "AccessKeyMetadata", "member") {
            guard let id = key["AccessKeyId"] else { continue }
            let lastUsed = try await iam.call("GetAccessKeyLastUsed", [("AccessKeyId", id)]).value("LastUsedDate")
            keys.append(["active": .bool(key["Status"] == "Active"), "ageDays": days(since: key["CreateDate"]), "lastUsedDaysAgo": days(since: lastUsed)])
        }
        return ["name": .string(name), "consoleAccess": .bool(console), "mfaDevices": .number(Double(devices)), "accessKeys": .array(keys)]
    }

    /// Whole days from an AWS timestamp to now; null when there is none.
    static func days(since timestamp: String?) -> AttributeValue {
        guard let timestamp, let date = STS.parseTimestamp(timestamp) else { return .null }
        return .number((Date().timeIntervalSince(date) / 86_400).rounded(.down))
    }
}

func attribute(number text: String?) -> AttributeValue {
    text.flatMap(Double.init).map(AttributeValue.number) ?? .null
}

/// Policy documents as IAM returns them (URL-encoded JSON) or as S3 does (plain JSON).
enum PolicyJSON {
    static func parse(urlEncoded text: String?) -> AttributeValue {
        parse(text.map { percentDecoded($0) })
    }

    static func parse(_ text: String?) -> AttributeValue {
        guard let text, let value = try? JSONDecoder().decode(AttributeValue.self, from: Data(text.utf8)) else { return .null }
        return value
    }
}
