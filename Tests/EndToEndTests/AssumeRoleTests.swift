@testable import AWSAPI
import AWSTestSupport
import Cloud
import Foundation
import Runtime
import Testing
@_spi(Privileged) import Database

/// `POST /api/cloud-identities/{id}/credentials` through the gateway, against moto with IAM
/// authorization on.
@Suite(.serialized) final class AssumeRoleTests: @unchecked Sendable {
    let gateway: GatewayProcess
    let owner: Database
    let account: CustomerAccount

    init() throws {
        gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8))
        owner = try Database(url: try #require(ProcessInfo.processInfo.environment["MIGRATION_DATABASE_URL"]), applicationName: "assume-role-tests")
        account = try CustomerAccount()
    }

    /// A workspace with an admin, a member and a connected read-only AWS account.
    func connectedWorkspace() async throws -> (organization: UUID, admin: (id: UUID, token: String), member: (id: UUID, token: String), identity: String, role: String) {
        let admin = try await makeSignedInUser(owner: owner)
        let organization = try await makeWorkspace(owner: owner, member: admin.id, role: "owner")
        let member = try await makeSignedInUser(owner: owner)
        _ = try await owner.runAsConnectedRole([Statement("INSERT INTO public.memberships (organization_id, user_id, role) VALUES ($1, $2, 'member')", organization, member.id)])
        let role = try await account.role(for: organization, policies: ["SecurityAudit"])
        let connected = try connect(gateway, organization, role, bearer: admin.token)
        #expect(connected.status == 201, "\(connected.json)")
        return (organization, admin, member, try #require(connected.json["id"] as? String), role)
    }

    func credentials(_ identity: String, bearer: String, body: String? = nil) throws -> (status: Int, json: [String: Any], headers: [String: String]) {
        let response = try gateway.request("POST", "/api/cloud-identities/\(identity)/credentials", body: body, headers: [("Authorization", "Bearer \(bearer)")])
        return (response.status, (try? jsonObject(response.body)) ?? [:], response.headers)
    }

    func row(_ sql: String, _ parameters: (any PostgresEncodable)?...) async throws -> Row? {
        try await owner.runAsConnectedRole([Statement(sql, parameters: parameters)])[0].first
    }

    @Test func aMemberGetsOneHourCredentialsTheAWSSDKUsesThroughCredentialProcess() async throws {
        let workspace = try await connectedWorkspace()
        let answer = try credentials(workspace.identity, bearer: workspace.member.token)
        #expect(answer.status == 200, "\(answer.json)")
        #expect(answer.json["Version"] as? Int == 1)
        let secret = try #require(answer.json["SecretAccessKey"] as? String)
        #expect((answer.json["AccessKeyId"] as? String)?.hasPrefix("ASIA") == true)
        #expect((answer.json["SessionToken"] as? String)?.isEmpty == false)
        let expiration = try #require((answer.json["Expiration"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
        #expect(abs(expiration.timeIntervalSinceNow - 3600) < 120)
        #expect(answer.headers["cache-control"] == "no-store")

        // The AWS SDK, configured as a CI job would: zcp with an access token in ZCP_TOKEN calls the platform.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("credential-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("config").path
        try "[profile customer]\ncredential_process = \(binDirectory)/zcp credentials --identity \(workspace.identity)\nregion = us-east-1\n".write(toFile: config, atomically: true, encoding: .utf8)
        let sdk = try runProgram("/usr/bin/env", arguments: ["python3", "-c", """
            import boto3
            session = boto3.Session(profile_name="customer")
            print(session.client("sts").get_caller_identity()["Arn"])
            try:
                session.client("ec2").create_security_group(GroupName="zcp-cli-write", Description="must not exist")
                print("WROTE")
            except Exception as error:
                print(type(error).__name__, getattr(error, "response", {}).get("Error", {}).get("Code"))
            """], environment: [
                "AWS_CONFIG_FILE": config, "ZCP_TOKEN": workspace.member.token, "ZCP_API_URL": gateway.baseURL,
            ], removing: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"])
        #expect(sdk.status == 0, "\(sdk.standardError)")
        let roleName = workspace.role.split(separator: "/").last!
        let sessionName = "zcp-\(workspace.organization.uuidString.prefix(8).lowercased())-cli-\(workspace.member.id.uuidString.prefix(8).lowercased())"
        #expect(sdk.standardOutput.contains(":assumed-role/\(roleName)/\(sessionName)"), "\(sdk.standardOutput)")
        #expect(sdk.standardOutput.contains("ClientError AccessDenied"), "read-only credentials must not write: \(sdk.standardOutput)")

        // Every issuance is audited; the secret is in no row and no log line.
        let audits = try await row("""
            SELECT count(*) AS issued, bool_and(user_id = $2) AS by_member, bool_and(details->>'role_session_name' = $3) AS named,
                   bool_and(expires_at > now()) AS expiring, string_agg(details::text, ' ') AS details
            FROM public.audit_events WHERE cloud_identity_id = $1::uuid AND action = 'cloud_identity.credentials_issued'
            """, workspace.identity, workspace.member.id, sessionName)
        #expect(try audits?["issued"] as Int? == 2)
        #expect(try audits?["by_member"] as Bool? == true)
        #expect(try audits?["named"] as Bool? == true)
        #expect(try audits?["expiring"] as Bool? == true)
        #expect(try !(audits?["details"] as String? ?? "").contains(secret))
        let anywhere = try await row("""
            SELECT count(*) AS hits FROM public.audit_events e, public.cloud_identities c
            WHERE e::text LIKE '%' || $1 || '%' OR c::text LIKE '%' || $1 || '%'
            """, secret)
        #expect(try anywhere?["hits"] as Int? == 0)
        let log = try String(contentsOfFile: gateway.logPath, encoding: .utf8)
        #expect(log.contains("aws credentials issued"))
        #expect(!log.contains(secret))
        #expect(!log.contains(answer.json["SessionToken"] as? String ?? "-"))
    }

    @Test func onlyTheWorkspacesMembersGetCredentialsAndPurposesAreNamed() async throws {
        let workspace = try await connectedWorkspace()
        let stranger = try await makeSignedInUser(owner: owner)
        #expect(try credentials(workspace.identity, bearer: stranger.token).status == 404)
        #expect(try credentials(UUID().uuidString, bearer: workspace.admin.token).status == 404)
        #expect(try gateway.request("POST", "/api/cloud-identities/\(workspace.identity)/credentials").status == 401)
        #expect(try credentials(workspace.identity, bearer: workspace.admin.token, body: #"{"purpose":"scan"}"#).status == 400)

        // A read-only role does not provision: asking would only rename the session.
        let provisioning = try credentials(workspace.identity, bearer: workspace.admin.token, body: #"{"purpose":"provisioning"}"#)
        #expect(provisioning.status == 409 && provisioning.json["error"] as? String == "wrong_purpose", "\(provisioning.json)")

        #expect(try credentials(workspace.identity, bearer: workspace.admin.token, body: #"{"purpose":"cli"}"#).status == 200)
        let audit = try await row(
            "SELECT details->>'purpose' AS purpose, details->>'role_session_name' AS name FROM public.audit_events WHERE cloud_identity_id = $1::uuid AND action = 'cloud_identity.credentials_issued'",
            workspace.identity)
        #expect(try audit?["purpose"] as String? == "cli")
        #expect(try (audit?["name"] as String?)?.contains("-cli-") == true)
    }

    @Test func whenTheCustomerWithdrawsTrustTheIdentityIsRevokedAndReconnectingRestoresIt() async throws {
        let workspace = try await connectedWorkspace()
        _ = try await owner.runAsConnectedRole([Statement(
            "INSERT INTO public.scans (organization_id, cloud_identity_id, trigger) VALUES ($1, $2::uuid, 'schedule')", workspace.organization, workspace.identity)])
        try await account.trust(roleARN: workspace.role, externalID: "zcp-someone-else")

        let refused = try credentials(workspace.identity, bearer: workspace.member.token)
        #expect(refused.status == 409)
        #expect(refused.json["error"] as? String == "access_lost")
        let revoked = try #require(try await row(
            "SELECT status, status_reason, aws_role_arn FROM public.cloud_identities WHERE id = $1::uuid", workspace.identity))
        #expect(try revoked["status"] as String == "revoked")
        #expect(try (revoked["status_reason"] as String?)?.contains("AccessDenied") == true)
        #expect(try revoked["aws_role_arn"] as String? == workspace.role, "the ARN stays so that reconnecting re-activates this identity")
        let scan = try await row("SELECT status FROM public.scans WHERE cloud_identity_id = $1::uuid", workspace.identity)
        #expect(try scan?["status"] as String? == "cancelled")
        let lost = try await row(
            "SELECT count(*) AS n FROM public.audit_events WHERE cloud_identity_id = $1::uuid AND action = 'cloud_identity.access_lost'", workspace.identity)
        #expect(try lost?["n"] as Int? == 1)

        // No further attempt reaches AWS: the identity is not active.
        let again = try credentials(workspace.identity, bearer: workspace.member.token)
        #expect(again.status == 409)
        #expect(again.json["error"] as? String == "identity_not_active")

        // The customer restores the trust and an admin reconnects: the same identity, active again.
        try await account.trust(roleARN: workspace.role, externalID: try externalID(of: workspace.organization).value)
        let reconnected = try connect(gateway, workspace.organization, workspace.role, bearer: workspace.admin.token)
        #expect(reconnected.status == 201)
        #expect(reconnected.json["id"] as? String == workspace.identity)
        #expect(try credentials(workspace.identity, bearer: workspace.member.token).status == 200)
    }

    @Test func aRevokedIdentityGetsNoCredentials() async throws {
        let workspace = try await connectedWorkspace()
        #expect(try gateway.request("DELETE", "/api/cloud-identities/\(workspace.identity)", headers: [("Authorization", "Bearer \(workspace.admin.token)")]).status == 204)
        let answer = try credentials(workspace.identity, bearer: workspace.member.token)
        #expect(answer.status == 409)
        #expect(answer.json["error"] as? String == "identity_not_active")
    }
}
