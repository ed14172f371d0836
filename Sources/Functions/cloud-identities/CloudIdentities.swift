import Database
import FoundationEssentials
import Runtime

/// `GET /api/cloud-identities?organization_id=…` and `GET /api/cloud-identities/{id}`: a
/// workspace's connected clouds as its members see them (user session, row-level security):
/// provider, the AWS account and role or the GCP project, pool, provider and service account, status and why, who connected it and when, and the last scan.
/// Never the external ID or its hash.
struct CloudIdentities: HTTPFunction {
    struct Identity: Encodable {
        let id: UUID
        let organization_id: UUID
        let provider: String
        let display_name: String
        let role_arn: String?
        let account_id: String?
        let project_number: String?
        let pool_id: String?
        let provider_id: String?
        let service_account_email: String?
        let tenant_id: UUID?
        let client_id: UUID?
        let subscription_id: UUID?
        let status: String
        let status_reason: String?
        let connected_by: UUID?
        let connected_at: Date
        let last_verified_at: Date?
        let last_scanned_at: Date?
        let last_scan: LastScan?
    }

    struct LastScan: Encodable {
        let id: UUID
        let status: String
        let queued_at: Date
        let finished_at: Date?
    }

    struct Listing: Encodable {
        let items: [Identity]
    }

    /// The columns both routes read, with the identity's newest scan.
    static let select = """
        SELECT c.id, c.organization_id, c.provider, c.display_name, c.aws_role_arn, c.aws_account_id, c.status, c.status_reason,
               c.gcp_project_number, c.gcp_pool_id, c.gcp_provider_id, c.gcp_service_account_email,
               c.azure_tenant_id, c.azure_client_id, c.azure_subscription_id,
               c.created_by, c.created_at, c.last_verified_at, c.last_scanned_at,
               s.id AS scan_id, s.status AS scan_status, s.queued_at AS scan_queued_at, s.finished_at AS scan_finished_at
        FROM public.cloud_identities c
        LEFT JOIN LATERAL (
          SELECT id, status, queued_at, finished_at FROM public.scans WHERE cloud_identity_id = c.id ORDER BY queued_at DESC, id DESC LIMIT 1
        ) s ON true
        """

    /// A workspace has a handful of connected clouds; more than this is refused rather than truncated silently.
    static let maximumListed = 1000

    let router: Router

    init(context: InitContext) async throws {
        let database = try Database(environment: context.environment, applicationName: context.functionName)
        let verifier = try await CallerVerifier(configuration: .init(environment: context.environment))

        var router = Router()
        router.get("/api/cloud-identities") { request, _ in
            let caller = try await verifier.verify(request)
            let organization = try request.workspaceQuery()
            let rows = try await database.userSession(caller).query(inWorkspace: organization,
                Self.select + " WHERE c.organization_id = $1 ORDER BY c.created_at, c.id LIMIT $2", organization, Self.maximumListed)
            return try .json(Listing(items: rows.rows.map(Self.identity)), headers: ["cache-control": "no-store"])
        }
        router.get("/api/cloud-identities/{id}") { request, _ in
            let caller = try await verifier.verify(request)
            guard let id = request.pathParameter("id").flatMap(UUID.init(uuidString:)) else {
                throw HTTPError.badRequest("the cloud identity id must be a UUID")
            }
            guard let row = try await database.userSession(caller).query(Self.select + " WHERE c.id = $1", id).first else {
                throw HTTPError.notFound("no such cloud identity")
            }
            return try .json(try Self.identity(row), headers: ["cache-control": "no-store"])
        }
        self.router = router
    }

    static func identity(_ row: Row) throws -> Identity {
        let scanID: UUID? = try row["scan_id"]
        let lastScan = try scanID.map { LastScan(id: $0, status: try row["scan_status"], queued_at: try row["scan_queued_at"], finished_at: try row["scan_finished_at"]) }
        return Identity(
            id: try row["id"], organization_id: try row["organization_id"], provider: try row["provider"], display_name: try row["display_name"],
            role_arn: try row["aws_role_arn"], account_id: try row["aws_account_id"],
            project_number: try row["gcp_project_number"], pool_id: try row["gcp_pool_id"], provider_id: try row["gcp_provider_id"],
            service_account_email: try row["gcp_service_account_email"], tenant_id: try row["azure_tenant_id"],
            client_id: try row["azure_client_id"], subscription_id: try row["azure_subscription_id"], status: try row["status"], status_reason: try row["status_reason"],
            connected_by: try row["created_by"], connected_at: try row["created_at"], last_verified_at: try row["last_verified_at"],
            last_scanned_at: try row["last_scanned_at"], last_scan: lastScan)
    }
}
