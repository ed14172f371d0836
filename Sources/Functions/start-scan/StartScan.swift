import Database
import FoundationEssentials
import Runtime
import WorkQueue

/// `POST /api/cloud-identities/{id}/scans` — a workspace member asks for a scan now. If one is
/// already queued or running, that one is the answer (200) rather than a second (202 for a new one).
struct StartScan: HTTPFunction {
    struct Scan: Encodable {
        let id: UUID
        let cloud_identity_id: UUID
        let status: String
        let queued_at: String

        init(_ row: Row, identity: UUID) throws {
            id = try row["id"]
            cloud_identity_id = identity
            status = try row["status"]
            queued_at = (try row["queued_at"] as Date).formatted(.iso8601)
        }
    }

    let router: Router

    init(context: InitContext) async throws {
        let database = try Database(environment: context.environment, applicationName: context.functionName)
        let verifier = try await CallerVerifier(configuration: .init(environment: context.environment))
        let queue = try WorkQueue.scans(environment: context.environment)

        var router = Router()
        router.post("/api/cloud-identities/{id}/scans") { request, context in
            let caller = try await verifier.verify(request)
            guard let identity = request.pathParameter("id").flatMap(UUID.init(uuidString:)) else {
                throw HTTPError.badRequest("the cloud identity id must be a UUID")
            }
            let session = database.userSession(caller)
            guard let row = try await session.query(
                "SELECT organization_id, status, purpose FROM public.cloud_identities WHERE id = $1 AND provider = 'aws'", identity).first else {
                throw HTTPError.notFound("no such AWS cloud identity")
            }
            guard try row["purpose"] as String == "scan" else {
                throw HTTPError(status: 409, error: "wrong_purpose", description: "this identity is for provisioning: scans use a scan identity (its read-only role)")
            }
            let status: String = try row["status"]
            guard status == "active" else { throw HTTPError.conflict("the cloud identity is \(status): connect the account again first") }

            let inserted = try await session.query("""
                INSERT INTO public.scans (organization_id, cloud_identity_id, trigger, requested_by)
                VALUES ($1, $2, 'user', $3)
                ON CONFLICT DO NOTHING
                RETURNING id, status, queued_at
                """, try row["organization_id"] as UUID, identity, caller.userID).first
            if let inserted {
                let scan = try Scan(inserted, identity: identity)
                try await queue.enqueue([scan.id])
                context.logger.info("scan requested", metadata: ["scan": "\(scan.id)", "cloudIdentity": "\(identity)"])
                return try .json(scan, status: 202)
            }
            guard let pending = try await session.query(
                "SELECT id, status, queued_at FROM public.scans WHERE cloud_identity_id = $1 AND status IN ('queued', 'running')", identity).first else {
                throw HTTPError.conflict("the scan could not be queued; try again")
            }
            return try .json(try Scan(pending, identity: identity))
        }
        self.router = router
    }
}
