import AWSAPI
import Cloud
import CloudAccess
import Database
import Domain
import FoundationEssentials
import Runtime

/// `POST /api/cloud-identities` `{"organization_id", "role_arn", "display_name"?}` — a workspace
/// admin connects an AWS account: the platform assumes the role with the workspace's external ID,
/// checks it landed in the account the ARN names, proves that the role refuses anyone without this
/// workspace's external ID (`RoleTrustCheck`: a wrong-ID probe and the trust policy itself), and
/// accepts the role only if it carries nothing but AWS-managed read-only policies. Stores the ARN
/// and the external ID's hash; status active.
struct ConnectAccount: HTTPFunction {
    struct Connection: Decodable {
        let organization_id: UUID
        let role_arn: String
        let display_name: String?
    }

    struct Connected: Encodable {
        let id: UUID
        let provider: String
        let role_arn: String
        let account_id: String
        let status: String
        let policies: [String]
    }

    let router: Router

    init(context: InitContext) async throws {
        let environment = context.environment
        let database = try Database(environment: environment, applicationName: context.functionName)
        let verifier = try await CallerVerifier(configuration: .init(environment: environment))
        let key = try ExternalID.key(hex: try environment.required("EXTERNAL_ID_KEY"))
        let region = environment["AWS_REGION"] ?? "us-east-1"
        // The platform's own base credentials (on Lambda: its execution role's).
        let platform = try AWSCredentials(environment: environment)
        let trust = try RoleTrustCheck(environment: environment)

        var router = Router()
        router.post("/api/cloud-identities") { request, context in
            let caller = try await verifier.verify(request)
            let connection = try request.decodeBody(Connection.self)
            guard let role = RoleARN(connection.role_arn) else {
                throw HTTPError.badRequest("role_arn must be an IAM role ARN such as arn:aws:iam::123456789012:role/ZeroCredentialPlatformReadOnly")
            }
            let session = database.userSession(caller)
            // Row-level security hides a workspace the caller is not in (404); a member who is not an admin may see it (403).
            guard let workspace = try await session.query(
                "SELECT id IN (SELECT private.admin_organization_ids()) AS admin FROM public.organizations WHERE id = $1",
                connection.organization_id).first else {
                throw HTTPError.notFound("no such workspace")
            }
            guard try workspace["admin"] as Bool else {
                throw HTTPError.forbidden("only a workspace owner or admin can connect an account")
            }

            let externalID = ExternalID.derive(organization: connection.organization_id, key: key)
            let assumed: STS.AssumedRole
            do {
                assumed = try await STS(region: region, credentials: platform).assumeRole(
                    roleARN: role.value, sessionName: "zcp-\(connection.organization_id.uuidString.prefix(8).lowercased())-onboarding",
                    externalID: externalID.value)
            } catch let error as AWSError where error.isAccessDenied {
                throw HTTPError(status: 422, error: "role_not_assumable",
                                description: "the platform could not assume \(role.name): its trust policy must name the platform's account and this workspace's external ID")
            }
            let identity = try await STS(region: region, credentials: assumed.credentials).callerIdentity()
            guard identity.account == role.account else {
                throw HTTPError(status: 422, error: "account_mismatch", description: "the role answered from account \(identity.account), not \(role.account)")
            }

            switch try await trust.verify(role: role, externalID: externalID, organization: connection.organization_id, assumed: assumed.credentials) {
            case .pinned:
                break
            case .unpinned(let problems):
                // Any other workspace of the platform could connect this role: the confused deputy.
                throw HTTPError(status: 422, error: "role_trust_lacks_external_id", description: """
                    the role's trust policy does not require this workspace's external ID, so another workspace could connect it too: \
                    \(problems.joined(separator: "; ")). Every statement that trusts the platform's account needs \
                    "Condition": {"StringEquals": {"sts:ExternalId": "<the external ID from GET /api/aws/external-id>"}}
                    """)
            case .unreadable:
                throw HTTPError(status: 422, error: "role_not_read_only",
                                description: "the role cannot read its own trust policy (iam:GetRole): attach the AWS-managed SecurityAudit policy")
            }

            let iam = AWSQueryClient(service: "iam", version: "2010-05-08", region: region, credentials: assumed.credentials)
            let attached: [String], inline: [String]
            do {
                attached = try await iam.call("ListAttachedRolePolicies", [("RoleName", role.name)]).all("PolicyArn").map(\.text)
                inline = try await iam.call("ListRolePolicies", [("RoleName", role.name)]).all("member").map(\.text)
            } catch let error as AWSError where error.isAccessDenied {
                // SecurityAudit and ViewOnlyAccess both allow this; a role that cannot is not the one the template makes.
                throw HTTPError(status: 422, error: "role_not_read_only",
                                description: "the role cannot list its own policies: attach the AWS-managed SecurityAudit and ViewOnlyAccess policies")
            }
            let writable = attached.filter { !ReadOnlyPolicies.isAllowed($0) }
            guard writable.isEmpty, inline.isEmpty, !attached.isEmpty else {
                let reasons = writable.map { "policy \($0)" } + inline.map { "inline policy \($0)" }
                throw HTTPError(status: 422, error: "role_not_read_only", description: reasons.isEmpty
                    ? "the role has no AWS-managed read-only policy: attach SecurityAudit and ViewOnlyAccess"
                    : "the role can do more than read (\(reasons.joined(separator: ", "))): keep only AWS-managed read-only policies such as SecurityAudit and ViewOnlyAccess")
            }

            let stored = try await session.batch([
                Statement("""
                    INSERT INTO public.cloud_identities (organization_id, provider, display_name, aws_role_arn, aws_account_id, aws_external_id_hash,
                                                         status, status_reason, last_verified_at, created_by)
                    VALUES ($1, 'aws', $2, $3, $4, $5, 'active', NULL, now(), $6)
                    ON CONFLICT (organization_id, aws_role_arn) WHERE aws_role_arn IS NOT NULL DO UPDATE
                    SET status = 'active', status_reason = NULL, aws_external_id_hash = EXCLUDED.aws_external_id_hash,
                        last_verified_at = now(), updated_at = now()
                    RETURNING id
                    """, connection.organization_id, connection.display_name ?? role.name, role.value, role.account, Bytes(externalID.hash), caller.userID),
                Statement("""
                    INSERT INTO public.audit_events (organization_id, user_id, actor, action, details)
                    VALUES ($1, $2, $3, 'cloud_identity.connected', jsonb_build_object('role_arn', $4::text))
                    """, connection.organization_id, caller.userID, "user:\(caller.userID.uuidString.lowercased())", role.value),
            ])
            let id: UUID = try stored[0].first!["id"]
            context.logger.info("aws account connected", metadata: ["cloudIdentity": "\(id)", "account": "\(role.account)"])
            return try .json(Connected(id: id, provider: "aws", role_arn: role.value, account_id: role.account, status: "active", policies: attached), status: 201)
        }
        self.router = router
    }
}
