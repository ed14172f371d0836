import Domain
import Foundation
import Runtime
import Testing
@_spi(Privileged) import Database

/// `GET /api/aws/external-id` through the gateway and the deployment template.
@Suite(.serialized) final class AWSOnboardingTests: @unchecked Sendable {
    let gateway: GatewayProcess
    let owner: Database

    init() throws {
        gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8))
        owner = try Database(url: try #require(ProcessInfo.processInfo.environment["MIGRATION_DATABASE_URL"]), applicationName: "onboarding-tests")
    }

    func workspace(of user: UUID) async throws -> UUID {
        try await makeWorkspace(owner: owner, member: user, role: "member")
    }

    func onboarding(_ organization: String, bearer: String?) throws -> (status: Int, json: [String: Any]) {
        let response = try gateway.request("GET", "/api/aws/external-id?organization_id=\(organization)",
                                           headers: bearer.map { [("Authorization", "Bearer \($0)")] } ?? [])
        return (response.status, (try? jsonObject(response.body)) ?? [:])
    }

    @Test func aMemberGetsTheWorkspacesExternalIDAndTheTemplatesParameters() async throws {
        let user = try await makeSignedInUser(owner: owner)
        let first = try await workspace(of: user.id), second = try await workspace(of: user.id)
        let answer = try onboarding(first.uuidString, bearer: user.token)
        #expect(answer.status == 200)
        let externalID = try #require(answer.json["external_id"] as? String)
        #expect(externalID == (try EndToEndTests.externalID(of: first)).value)
        #expect(answer.json["platform_account_id"] as? String == "123456789012")
        #expect((answer.json["parameters"] as? [String: String])?["ExternalId"] == externalID)
        let link = try #require(answer.json["quick_create_url"] as? String)
        #expect(link.hasPrefix("https://console.aws.amazon.com/cloudformation/home?region="))
        #expect(link.contains("param_ExternalId=\(externalID)"))
        // Stable for a workspace, different between workspaces.
        #expect(try onboarding(first.uuidString, bearer: user.token).json["external_id"] as? String == externalID)
        #expect(try onboarding(second.uuidString, bearer: user.token).json["external_id"] as? String != externalID)
    }

    @Test func otherWorkspacesAndStrangersGetNothing() async throws {
        let member = try await makeSignedInUser(owner: owner)
        let stranger = try await makeSignedInUser(owner: owner)
        let organization = try await workspace(of: member.id)
        let refused = try onboarding(organization.uuidString, bearer: stranger.token)
        #expect(refused.status == 404)
        #expect(refused.json["external_id"] == nil)
        #expect(try onboarding(organization.uuidString, bearer: nil).status == 401)
        #expect(try onboarding("not-a-uuid", bearer: member.token).status == 400)
    }
}
