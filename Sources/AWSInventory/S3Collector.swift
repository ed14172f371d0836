import AWSAPI
import Domain
import FoundationEssentials

/// S3 (global listing, each bucket read in its own region): the account's Block Public Access,
/// and each bucket's ACL, policy, Block Public Access, default encryption and versioning.
enum S3Collector {
    static let blockSettings = ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"]

    static func collect(_ session: AWSSession, _ region: String) async throws -> [CloudResource] {
        let s3 = try await session.s3(region: region)
        let limiter = session.limiter
        let accountBlock = settings(try await limiter.run { try await s3.accountPublicAccessBlock(account: session.account) })
        var resources = [CloudResource(
            arn: "arn:aws:s3:\(region):\(session.account):account", type: "AWS::S3::AccountPublicAccessBlock", service: "s3", region: region,
            attributes: accountBlock)]

        let names = try await limiter.run { try await s3.request("GET") }.document?.path("Buckets", "Bucket").compactMap { $0["Name"] } ?? []
        resources += try await withThrowingTaskGroup(of: CloudResource.self) { group in
            for name in names {
                group.addTask { try await bucket(name, home: s3, session: session, accountBlock: accountBlock) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        return resources
    }

    static func bucket(_ name: String, home: S3Client, session: AWSSession, accountBlock: AttributeValue) async throws -> CloudResource {
        let limiter = session.limiter
        func read(_ client: S3Client, _ subresource: String) async throws -> S3Client.Answer? {
            do { return try await limiter.run { try await client.request("GET", bucket: name, query: [(subresource, "")]) } }
            catch let error as AWSError where error.isNotFound { return nil }
        }
        let location = try await read(home, "location")?.document?.text ?? ""
        let region = location.isEmpty ? "us-east-1" : location == "EU" ? "eu-west-1" : location
        let s3 = try await session.s3(region: region)

        let grantees = try await read(s3, "acl")?.document?.all("URI").map(\.text) ?? []
        let policy = try await read(s3, "policy").map { PolicyJSON.parse(String(decoding: $0.body, as: UTF8.self)) } ?? .null
        let block = try await read(s3, "publicAccessBlock")?.document
        let encryption = try await read(s3, "encryption")?.document?.value("SSEAlgorithm")
        let versioning = try await read(s3, "versioning")?.document?.value("Status")
        return CloudResource(arn: "arn:aws:s3:::\(name)", type: "AWS::S3::Bucket", service: "s3", region: region, attributes: [
            "name": .string(name),
            "aclPublic": .bool(grantees.contains { $0.hasSuffix("/global/AllUsers") || $0.hasSuffix("/global/AuthenticatedUsers") }),
            "policy": policy,
            "publicAccessBlock": block.map(settings) ?? .null,
            "accountPublicAccessBlock": accountBlock,
            "encryption": encryption.map(AttributeValue.string) ?? .null,
            "versioning": versioning.map(AttributeValue.string) ?? .null,
        ])
    }

    static func settings(_ document: XMLNode?) -> AttributeValue {
        .object(Dictionary(uniqueKeysWithValues: blockSettings.map { ($0, AttributeValue.bool(document?.value($0) == "true")) }))
    }
}
