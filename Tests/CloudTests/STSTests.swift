@testable import AWSAPI
import Cloud
import Foundation
import Runtime
import Testing

/// STS and IAM over the query protocol, against the moto server `make test` starts.
@Suite struct STSTests {
    let environment = Environment()

    var platformCredentials: AWSCredentials {
        get throws {
            AWSCredentials(accessKeyID: try environment.required("AWS_ACCESS_KEY_ID"), secretAccessKey: try environment.required("AWS_SECRET_ACCESS_KEY"))
        }
    }

    func iam() throws -> AWSQueryClient {
        AWSQueryClient(service: "iam", version: "2010-05-08", region: "us-east-1", credentials: try platformCredentials)
    }

    func makeRole(externalID: String) async throws -> String {
        let trust = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"\#(externalID)"}}}]}"#
        let name = "platform-scan-\(UUID().uuidString.prefix(8))"
        let created = try await iam().call("CreateRole", [("RoleName", name), ("AssumeRolePolicyDocument", trust), ("MaxSessionDuration", "3600")])
        return try #require(created.value("Arn"))
    }

    @Test func theEndpointComesFromTheStandardVariable() throws {
        #expect(environment["AWS_ENDPOINT_URL"]?.hasPrefix("http://127.0.0.1:") == true, "make test starts moto and sets AWS_ENDPOINT_URL")
    }

    @Test func callerIdentityOfThePlatform() async throws {
        let identity = try await STS(region: "us-east-1", credentials: try platformCredentials).callerIdentity()
        #expect(identity.account == "123456789012")
        #expect(!identity.arn.isEmpty)
    }

    @Test func assumeRoleGivesOneHourCredentialsThatActAsTheRole() async throws {
        let externalID = "ext-\(UUID().uuidString)"
        let role = try await makeRole(externalID: externalID)
        let sts = STS(region: "us-east-1", credentials: try platformCredentials)
        let assumed = try await sts.assumeRole(roleARN: role, sessionName: "workspace-scan", externalID: externalID)
        #expect(assumed.credentials.accessKeyID.hasPrefix("ASIA"))
        #expect(assumed.credentials.sessionToken?.isEmpty == false)
        #expect(abs(assumed.expiration.timeIntervalSinceNow - 3600) < 120)
        #expect(assumed.assumedRoleARN.contains(":assumed-role/"))
        #expect(!"\(assumed.credentials)".contains(assumed.credentials.secretAccessKey))

        let asRole = try await STS(region: "us-east-1", credentials: assumed.credentials).callerIdentity()
        #expect(asRole.arn.contains(":assumed-role/\(role.split(separator: "/").last!)/workspace-scan"))
    }

    @Test func errorsArriveAsTypedAWSErrors() async throws {
        let iam = try iam()
        do {
            _ = try await iam.call("GetRole", [("RoleName", "no-such-role-\(UUID().uuidString.prefix(8))")])
            Issue.record("GetRole of a missing role succeeded")
        } catch {
            #expect(error.code == "NoSuchEntity")
            #expect(error.isNotFound)
            #expect(!error.isRetryable)
            #expect(error.httpStatus == 404)
        }
    }

    @Test func endpointsFollowTheStandardVariables() {
        #expect(AWSQueryClient.endpoint(service: "sts", region: "eu-west-1", environment: Environment(values: ["AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9/", "AWS_ENDPOINT_URL": "http://other"])) == "http://127.0.0.1:9")
        #expect(AWSQueryClient.endpoint(service: "sts", region: "eu-west-1", environment: Environment(values: ["AWS_ENDPOINT_URL": "http://other"])) == "http://other")
        #expect(AWSQueryClient.endpoint(service: "sts", region: "eu-west-1", environment: Environment(values: [:])) == "https://sts.eu-west-1.amazonaws.com")
        #expect(AWSQueryClient.endpoint(service: "iam", region: "eu-west-1", environment: Environment(values: [:])) == "https://iam.amazonaws.com")
    }

    @Test func anUnreachableEndpointIsATransportError() async throws {
        let sts = STS(region: "us-east-1", credentials: try platformCredentials, environment: Environment(values: ["AWS_ENDPOINT_URL": "http://127.0.0.1:9"]))
        do {
            _ = try await sts.callerIdentity()
            Issue.record("reached a closed port")
        } catch {
            #expect(error.code == "TransportError")
            #expect(!error.isAccessDenied)
        }
    }
}
