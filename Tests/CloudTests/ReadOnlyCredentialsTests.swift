@testable import AWSAPI
import AWSTestSupport
import Cloud
import Foundation
import Runtime
import Testing

/// What a customer's read-only role lets the platform do, through each AWS protocol the scans use
/// (query: EC2; REST-XML: S3; JSON 1.1: KMS), against moto with IAM authorization on.
@Suite struct ReadOnlyCredentialsTests {
    let account: CustomerAccount

    init() throws { account = try CustomerAccount() }

    func readOnlyCredentials(_ policies: [String]) async throws -> AWSCredentials {
        let externalID = "zcp-\(UUID().uuidString.prefix(12).lowercased())"
        let role = try await account.makeRole(externalID: externalID, policies: policies)
        return try await STS(region: account.region, credentials: account.platform)
            .assumeRole(roleARN: role, sessionName: "zcp-test-scan", externalID: externalID).credentials
    }

    func expectAccessDenied(_ what: String, _ call: () async throws(AWSError) -> Void) async {
        do {
            try await call()
            Issue.record("\(what) succeeded with read-only credentials")
        } catch {
            #expect(error.isAccessDenied, "\(what): \(error)")
        }
    }

    @Test(arguments: [["ReadOnlyAccess"], ["SecurityAudit"]])
    func readOnlyRolesReadButCannotWrite(policies: [String]) async throws {
        let credentials = try await readOnlyCredentials(policies)

        let ec2 = AWSQueryClient(service: "ec2", version: "2016-11-15", region: account.region, credentials: credentials)
        let groups = try await ec2.call("DescribeSecurityGroups")
        #expect(groups.all("groupName").contains { $0.text == "default" })
        await expectAccessDenied("CreateSecurityGroup") { () async throws(AWSError) in
            _ = try await ec2.call("CreateSecurityGroup", [("GroupName", "zcp-write-\(UUID().uuidString.prefix(6))"), ("GroupDescription", "must not exist")])
        }

        let s3 = S3Client(region: account.region, credentials: credentials)
        let buckets = try await s3.request("GET")
        #expect(buckets.document?.name == "ListAllMyBucketsResult")
        await expectAccessDenied("CreateBucket") { () async throws(AWSError) in
            _ = try await s3.request("PUT", bucket: "zcp-write-\(UUID().uuidString.prefix(8).lowercased())")
        }

        let kms = AWSJSONClient(service: "kms", targetPrefix: "TrentService", region: account.region, credentials: credentials)
        struct Keys: Decodable { let Keys: [[String: String]] }
        _ = try await kms.call("ListKeys", as: Keys.self)
        await expectAccessDenied("CreateKey") { () async throws(AWSError) in
            struct Created: Decodable {}
            _ = try await kms.call("CreateKey", as: Created.self)
        }
    }

    @Test func restXMLSubresourcesAndNotConfiguredAnswers() async throws {
        let bucket = "zcp-bucket-\(UUID().uuidString.prefix(8).lowercased())"
        let administrator = S3Client(region: account.region, credentials: account.administrator)
        _ = try await administrator.request("PUT", bucket: bucket)
        _ = try await administrator.request("PUT", bucket: bucket, key: "reports/2026-11/summary.txt", body: Array("hello".utf8))

        let s3 = S3Client(region: account.region, credentials: try await readOnlyCredentials(["ReadOnlyAccess"]))
        // (moto checks signatures against the decoded query, so a prefix with "/" fails there — and with AWS's SDKs too.)
        let listed = try await s3.request("GET", bucket: bucket, query: [("list-type", "2"), ("prefix", "reports")])
        #expect(listed.document?.all("Key").map(\.text) == ["reports/2026-11/summary.txt"])
        let acl = try await s3.request("GET", bucket: bucket, query: [("acl", "")])
        #expect(acl.document?.first("Grant") != nil)
        do {
            _ = try await s3.request("GET", bucket: bucket, query: [("policy", "")])
            Issue.record("a bucket without a policy answered one")
        } catch {
            #expect(error.isNotFound, "\(error)")
        }
    }

    @Test func jsonErrorsAreTyped() async throws {
        let kms = AWSJSONClient(service: "kms", targetPrefix: "TrentService", region: account.region, credentials: account.administrator)
        struct KeyID: Encodable { let KeyId: String }
        struct Status: Decodable { let KeyRotationEnabled: Bool }
        do {
            _ = try await kms.call("GetKeyRotationStatus", KeyID(KeyId: UUID().uuidString), as: Status.self)
            Issue.record("a missing key answered")
        } catch {
            #expect(error.code == "NotFoundException", "\(error)")
            #expect(error.isNotFound)
        }
    }
}
