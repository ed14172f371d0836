import AWSAPI
import AzureAPI
import Cloud
import CloudAccess
import Database
import Domain
import FoundationEssentials
import GCPAPI
import Logging
import Runtime

/// `POST /api/cloud-identities` `{"organization_id", "role_arn", "display_name"?}` — a workspace
/// admin connects an AWS account: the platform assumes the role with the workspace's external ID,
/// checks it landed in the account the ARN names, proves that the role refuses anyone without this
/// workspace's external ID (`RoleTrustCheck`: a wrong-ID probe and the trust policy itself), and
/// accepts the role only if it carries nothing but AWS-managed read-only policies. Stores the ARN
/// and the external ID's hash; status active.
///
/// `{"provider": "gcp", "organization_id", "project_number", "pool_id", "provider_id",
/// "service_account_email", "display_name"?}` connects a GCP service account through the
/// customer's workload identity provider: the platform presents its federation token for the
/// identity's subject to Google's STS and impersonates the service account, refusing with Google's
/// reason translated; it reads the account's roles on its project where it may and refuses owner
/// or editor (scans are read-only).
struct ConnectAccount: HTTPFunction {
    struct Connection: Decodable {
        let organization_id: UUID
        let provider: String?
        /// `scan` (the default: a read-only role) or `provision` (a bounded role the Terraform runner assumes).
        let purpose: String?
        let role_arn: String?
        let display_name: String?
        let project_number: String?
        let pool_id: String?
        let provider_id: String?
        let service_account_email: String?
        let tenant_id: String?
        let client_id: String?
        let subscription_id: String?
    }

    struct ConnectedAzure: Encodable {
        let id: UUID
        let provider: String
        let tenant_id: String
        let client_id: String
        let subscription_id: String
        let subject: String
        let status: String
    }

    struct ConnectedGCP: Encodable {
        let id: UUID
        let provider: String
        let project_number: String
        let pool_id: String
        let provider_id: String
        let service_account_email: String
        let subject: String
        let status: String
        /// The service account's roles on its project, or null when it may not read them.
        let roles: [String]?
    }

    struct Connected: Encodable {
        let id: UUID
        let provider: String
        let purpose: String
        let role_arn: String
        let account_id: String
        let status: String
        let policies: [String]
        /// What a provisioner role may manage (service prefixes); empty for a scan role.
        let services: [String]
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
        let gcp = try GCPAccess(environment: environment)
        let azure = try AzureAccess(environment: environment)

        var router = Router()
        router.post("/api/cloud-identities") { request, context in
            let caller = try await verifier.verify(request)
            let connection = try request.decodeBody(Connection.self)
            switch connection.provider ?? "aws" {
            case "aws": break
            case "gcp" where connection.purpose ?? "scan" == "scan": return try await Self.connectGCP(connection, caller: caller, database: database, gcp: gcp, logger: context.logger)
            case "azure" where connection.purpose ?? "scan" == "scan": return try await Self.connectAzure(connection, caller: caller, database: database, azure: azure, logger: context.logger)
            case "gcp", "azure": throw HTTPError.badRequest("provisioning identities are AWS roles for now; GCP and Azure identities are for scanning")
            default: throw HTTPError.badRequest("provider must be aws, gcp or azure")
            }
            guard let purpose = ExternalID.Purpose(rawValue: connection.purpose ?? "scan") else {
                throw HTTPError.badRequest("purpose must be scan or provision")
            }
            guard let role = connection.role_arn.flatMap(RoleARN.init) else {
                throw HTTPError.badRequest("role_arn must be an IAM role ARN such as arn:aws:iam::123456789012:role/ZeroCredentialPlatformReadOnly")
            }
            let session = database.userSession(caller)
            try await Self.requireAdmin(session, of: connection.organization_id)

            let externalID = ExternalID.derive(organization: connection.organization_id, key: key, purpose: purpose)
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
                throw purpose == .scan
                    ? HTTPError(status: 422, error: "role_not_read_only", description: "the role cannot read its own trust policy (iam:GetRole): attach the AWS-managed SecurityAudit policy")
                    : HTTPError(status: 422, error: "role_not_inspectable", description: "the role cannot read its own trust policy (iam:GetRole): deploy it from infra/customer-provisioner-role.yaml, which allows iam:Get* and iam:List*")
            }

            let iam = AWSQueryClient(service: "iam", version: "2010-05-08", region: region, credentials: assumed.credentials)
            let attached: [String], inline: [String]
            do {
                attached = try await iam.call("ListAttachedRolePolicies", [("RoleName", role.name)]).all("PolicyArn").map(\.text)
                inline = try await iam.call("ListRolePolicies", [("RoleName", role.name)]).all("member").map(\.text)
            } catch let error as AWSError where error.isAccessDenied {
                // SecurityAudit and ViewOnlyAccess both allow this, as does the provisioner template; a role that cannot is not one they make.
                throw purpose == .scan
                    ? HTTPError(status: 422, error: "role_not_read_only", description: "the role cannot list its own policies: attach the AWS-managed SecurityAudit and ViewOnlyAccess policies")
                    : HTTPError(status: 422, error: "role_not_inspectable", description: "the role cannot list its own policies (iam:List*): deploy it from infra/customer-provisioner-role.yaml")
            }
            var services: [String] = []
            switch purpose {
            case .scan:
                let writable = attached.filter { !ReadOnlyPolicies.isAllowed($0) }
                guard writable.isEmpty, inline.isEmpty, !attached.isEmpty else {
                    let reasons = writable.map { "policy \($0)" } + inline.map { "inline policy \($0)" }
                    throw HTTPError(status: 422, error: "role_not_read_only", description: reasons.isEmpty
                        ? "the role has no AWS-managed read-only policy: attach SecurityAudit and ViewOnlyAccess"
                        : "the role can do more than read (\(reasons.joined(separator: ", "))): keep only AWS-managed read-only policies such as SecurityAudit and ViewOnlyAccess")
                }
            case .provision:
                // Bounded write access, never an administrator: every policy's document is read and judged.
                services = try await ProvisionerRoleReview(iam: iam, role: role).services(attached: attached, inline: inline)
            }

            let stored = try await session.batch([
                Statement("""
                    INSERT INTO public.cloud_identities (organization_id, provider, display_name, aws_role_arn, aws_account_id, aws_external_id_hash,
                                                         status, status_reason, last_verified_at, created_by, purpose, aws_services)
                    VALUES ($1, 'aws', $2, $3, $4, $5, 'active', NULL, now(), $6, $7, $8)
                    ON CONFLICT (organization_id, aws_role_arn) WHERE aws_role_arn IS NOT NULL DO UPDATE
                    SET status = 'active', status_reason = NULL, aws_external_id_hash = EXCLUDED.aws_external_id_hash,
                        purpose = EXCLUDED.purpose, aws_services = EXCLUDED.aws_services, last_verified_at = now(), updated_at = now()
                    RETURNING id
                    """, connection.organization_id, connection.display_name ?? role.name, role.value, role.account, Bytes(externalID.hash), caller.userID,
                    purpose.rawValue, services),
                Statement("""
                    INSERT INTO public.audit_events (organization_id, user_id, actor, action, cloud_identity_id, details)
                    VALUES ($1, $2, $3, 'cloud_identity.connected',
                            (SELECT id FROM public.cloud_identities WHERE organization_id = $1 AND aws_role_arn = $4),
                            jsonb_build_object('role_arn', $4::text, 'purpose', $5::text))
                    """, connection.organization_id, caller.userID, "user:\(caller.userID.uuidString.lowercased())", role.value, purpose.rawValue),
            ])
            let id: UUID = try stored[0].first!["id"]
            context.logger.info("aws account connected", metadata: ["cloudIdentity": "\(id)", "account": "\(role.account)"])
            return try .json(Connected(id: id, provider: "aws", purpose: purpose.rawValue, role_arn: role.value, account_id: role.account,
                                       status: "active", policies: attached, services: services), status: 201)
        }
        self.router = router
    }

    /// Row-level security hides a workspace the caller is not in (404); a member who is not an admin may see it (403).
    static func requireAdmin(_ session: UserSession, of workspace: UUID) async throws {
        guard let row = try await session.query(
            "SELECT id IN (SELECT private.admin_organization_ids()) AS admin FROM public.organizations WHERE id = $1", workspace).first else {
            throw HTTPError.notFound("no such workspace")
        }
        guard try row["admin"] as Bool else {
            throw HTTPError.forbidden("only a workspace owner or admin can connect an account")
        }
    }

    static func connectGCP(_ connection: Connection, caller: VerifiedClaims, database: Database, gcp: GCPAccess, logger: Logger) async throws -> APIGatewayV2Response {
        guard let project = connection.project_number, let pool = connection.pool_id, let provider = connection.provider_id,
              let email = connection.service_account_email else {
            throw HTTPError.badRequest("a GCP identity needs project_number, pool_id, provider_id and service_account_email")
        }
        guard let identity = GCPWorkloadIdentity(projectNumber: project, poolID: pool, providerID: provider, serviceAccountEmail: email) else {
            throw HTTPError.badRequest("project_number must be the project's number (digits), pool_id and provider_id 4-32 of a-z, 0-9 and -, service_account_email NAME@PROJECT.iam.gserviceaccount.com")
        }
        let session = database.userSession(caller)
        try await requireAdmin(session, of: connection.organization_id)

        let roles: [String]?
        do {
            roles = try await gcp.verify(identity, workspace: connection.organization_id).roles
        } catch let error as GCPFederationError {
            if case .unavailable = error { throw HTTPError(status: 503, error: error.code, description: error.description) }
            let subject = identity.subject(workspace: connection.organization_id).value
            throw HTTPError(status: 422, error: error.code, description: "\(error.description). The platform presented issuer \(gcp.issuer), subject \(subject), audience \(identity.providerResourceName)")
        }
        let writable = (roles ?? []).filter { ["roles/owner", "roles/editor"].contains($0) }
        guard writable.isEmpty else {
            throw HTTPError(status: 422, error: "identity_not_read_only",
                            description: "the service account holds \(writable.joined(separator: " and ")) on project \(identity.serviceAccountProject): a scan identity may only read (roles/viewer, roles/iam.securityReviewer)")
        }

        let id = identity.identityID(workspace: connection.organization_id)
        _ = try await session.batch([
            Statement("""
                INSERT INTO public.cloud_identities (id, organization_id, provider, display_name, gcp_project_number, gcp_pool_id, gcp_provider_id,
                                                     gcp_service_account_email, status, status_reason, last_verified_at, created_by)
                VALUES ($1, $2, 'gcp', $3, $4, $5, $6, $7, 'active', NULL, now(), $8)
                ON CONFLICT (id) DO UPDATE SET status = 'active', status_reason = NULL, last_verified_at = now(), updated_at = now(),
                    gcp_project_number = EXCLUDED.gcp_project_number, gcp_pool_id = EXCLUDED.gcp_pool_id,
                    gcp_provider_id = EXCLUDED.gcp_provider_id, gcp_service_account_email = EXCLUDED.gcp_service_account_email
                """, id, connection.organization_id, connection.display_name ?? email, project, pool, provider, email, caller.userID),
            Statement("""
                INSERT INTO public.audit_events (organization_id, user_id, actor, action, cloud_identity_id, details)
                VALUES ($1, $2, $3, 'cloud_identity.connected', $4, jsonb_build_object('provider', 'gcp', 'service_account', $5::text))
                """, connection.organization_id, caller.userID, "user:\(caller.userID.uuidString.lowercased())", id, email),
        ])
        logger.info("gcp service account connected", metadata: ["cloudIdentity": "\(id)"])
        return try .json(ConnectedGCP(
            id: id, provider: "gcp", project_number: project, pool_id: pool, provider_id: provider, service_account_email: email,
            subject: identity.subject(workspace: connection.organization_id).value, status: "active", roles: roles), status: 201)
    }

    static func connectAzure(_ connection: Connection, caller: VerifiedClaims, database: Database, azure: AzureAccess, logger: Logger) async throws -> APIGatewayV2Response {
        guard let tenant = connection.tenant_id.flatMap(UUID.init(uuidString:)), let client = connection.client_id.flatMap(UUID.init(uuidString:)),
              let subscription = connection.subscription_id.flatMap(UUID.init(uuidString:)) else {
            throw HTTPError.badRequest("an Azure identity needs tenant_id, client_id (the application's) and subscription_id, each a UUID")
        }
        let identity = AzureFederatedIdentity(tenantID: tenant, clientID: client, subscriptionID: subscription)
        let session = database.userSession(caller)
        try await requireAdmin(session, of: connection.organization_id)
        let subject = identity.subject(workspace: connection.organization_id).value
        do {
            _ = try await azure.verify(identity, workspace: connection.organization_id)
        } catch let error as AzureFederationError {
            if case .unavailable = error { throw HTTPError(status: 503, error: error.code, description: error.description) }
            throw HTTPError(status: 422, error: error.code, description: "\(error.description). The platform presented issuer \(azure.issuer), subject \(subject), audience \(AzureFederatedIdentity.audience)")
        }
        let id = identity.identityID(workspace: connection.organization_id)
        _ = try await session.batch([
            Statement("""
                INSERT INTO public.cloud_identities (id, organization_id, provider, display_name, azure_tenant_id, azure_client_id, azure_subscription_id,
                                                     status, status_reason, last_verified_at, created_by)
                VALUES ($1, $2, 'azure', $3, $4, $5, $6, 'active', NULL, now(), $7)
                ON CONFLICT (id) DO UPDATE SET status = 'active', status_reason = NULL, last_verified_at = now(), updated_at = now(),
                    azure_tenant_id = EXCLUDED.azure_tenant_id, azure_client_id = EXCLUDED.azure_client_id, azure_subscription_id = EXCLUDED.azure_subscription_id
                """, id, connection.organization_id, connection.display_name ?? "Azure subscription \(identity.subscription)", tenant, client, subscription, caller.userID),
            Statement("""
                INSERT INTO public.audit_events (organization_id, user_id, actor, action, cloud_identity_id, details)
                VALUES ($1, $2, $3, 'cloud_identity.connected', $4, jsonb_build_object('provider', 'azure', 'client_id', $5::text))
                """, connection.organization_id, caller.userID, "user:\(caller.userID.uuidString.lowercased())", id, identity.client),
        ])
        logger.info("azure application connected", metadata: ["cloudIdentity": "\(id)"])
        return try .json(ConnectedAzure(id: id, provider: "azure", tenant_id: identity.tenant, client_id: identity.client,
                                        subscription_id: identity.subscription, subject: subject, status: "active"), status: 201)
    }
}
