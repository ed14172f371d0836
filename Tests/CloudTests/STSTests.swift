@testable import AWSAPI
import Cloud
import Foundation
import Runtime
import AWSTestSupport
import Testing

/// STS and IAM over the query protocol, against the moto server `make test` starts (IAM
/// authorization on: the trust policy and the external ID are checked).
@Suite struct STSTests {
    let environment = Environment()
    let account: CustomerAccount

    init() throws { account = try CustomerAccount() }

    @Test func theEndpointComesFromTheStandardVariable() throws {
        #expect(environment["AWS_ENDPOINT_URL"]?.hasPrefix("http://127.0.0.1:") == true, "make test starts moto and sets AWS_ENDPOINT_URL")
    }

    @Test func callerIdentityOfThePlatform() async throws {
        let identity = try await STS(region: "us-east-1", credentials: account.platform).callerIdentity()
        #expect(identity.account == "123456789012")
        #expect(identity.arn == account.platformPrincipal)
    }

    @Test func assumeRoleGivesOneHourCredentialsThatActAsTheRole() async throws {
        let externalID = "ext-\(UUID().uuidString)"
        let role = try await account.makeRole(externalID: externalID, policies: ["SecurityAudit"])
        let sts = STS(region: "us-east-1", credentials: account.platform)
        let assumed = try await sts.assumeRole(roleARN: role, sessionName: "workspace-scan", externalID: externalID)
        #expect(assumed.credentials.accessKeyID.hasPrefix("ASIA"))
        #expect(assumed.credentials.sessionToken?.isEmpty == false)
        #expect(abs(assumed.expiration.timeIntervalSinceNow - 3600) < 120)
        #expect(assumed.assumedRoleARN.contains(":assumed-role/"))
        #expect(!"\(assumed.credentials)".contains(assumed.credentials.secretAccessKey))

        let asRole = try await STS(region: "us-east-1", credentials: assumed.credentials).callerIdentity()
        #expect(asRole.arn.contains(":assumed-role/\(role.split(separator: "/").last!)/workspace-scan"))
    }

    @Test func theWrongExternalIDIsAccessDenied() async throws {
        let role = try await account.makeRole(externalID: "ext-\(UUID().uuidString)", policies: ["SecurityAudit"])
        do {
            _ = try await STS(region: "us-east-1", credentials: account.platform).assumeRole(roleARN: role, sessionName: "workspace-scan", externalID: "ext-guessed")
            Issue.record("assumed a role with the wrong external ID")
        } catch {
            #expect(error.isAccessDenied, "\(error)")
        }
    }

    @Test func thePlatformsOwnIdentityCanDoNothingButAssumeRoles() async throws {
        let iam = AWSQueryClient(service: "iam", version: "2010-05-08", region: "us-east-1", credentials: account.platform)
        do {
            _ = try await iam.call("ListRoles")
            Issue.record("the platform's base identity listed roles")
        } catch {
            #expect(error.isAccessDenied, "\(error)")
        }
    }

    @Test func anUnknownKeyIsRefused() async throws {
        do {
            _ = try await STS(region: "us-east-1", credentials: AWSCredentials(accessKeyID: "AKIAUNKNOWN000000000", secretAccessKey: "nothing")).callerIdentity()
            Issue.record("an unknown key was accepted")
        } catch {
            #expect(error.isInvalidCredentials, "\(error)")
        }
    }

    @Test func errorsArriveAsTypedAWSErrors() async throws {
        let iam = account.iam
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
        #expect(AWSTransport.endpoint(service: "sts", region: "eu-west-1", environment: Environment(values: ["AWS_ENDPOINT_URL_STS": "http://127.0.0.1:9/", "AWS_ENDPOINT_URL": "http://other"])) == "http://127.0.0.1:9")
        #expect(AWSTransport.endpoint(service: "sts", region: "eu-west-1", environment: Environment(values: ["AWS_ENDPOINT_URL": "http://other"])) == "http://other")
        #expect(AWSTransport.endpoint(service: "sts", region: "eu-west-1", environment: Environment(values: [:])) == "https://sts.eu-west-1.amazonaws.com")
        #expect(AWSTransport.endpoint(service: "iam", region: "eu-west-1", environment: Environment(values: [:])) == "https://iam.amazonaws.com")
    }

    @Test func anUnreachableEndpointIsATransportError() async throws {
        let sts = STS(region: "us-east-1", credentials: account.platform, environment: Environment(values: ["AWS_ENDPOINT_URL": "http://127.0.0.1:9"]))
        do {
            _ = try await sts.callerIdentity()
            Issue.record("reached a closed port")
        } catch {
            #expect(error.code == "TransportError")
            #expect(!error.isAccessDenied)
        }
    }
}
