import Database
import Domain
import FoundationEssentials
import Runtime

/// What the scans found, for a workspace's members (user session, so row-level security scopes
/// every row): `GET /api/scans` and `GET /api/findings`, newest scans / most severe findings
/// first, filterable, paginated by an opaque cursor (`next_cursor`).
struct ScanResults: HTTPFunction {
    struct Page<Item: Encodable>: Encodable {
        let items: [Item]
        let next_cursor: String?
    }

    struct Scan: Encodable {
        let id: UUID
        let cloud_identity_id: UUID
        let status: String
        let trigger: String
        let service_errors: JSONText?
        let error: String?
        let resource_count: Int?
        let failed_finding_count: Int?
        let queued_at: String
        let started_at: String?
        let finished_at: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(cloud_identity_id, forKey: .cloud_identity_id)
            try container.encode(status, forKey: .status)
            try container.encode(trigger, forKey: .trigger)
            try container.encode((try? service_errors?.decode([String: String].self)) ?? [:], forKey: .service_errors)
            try container.encode(error, forKey: .error)
            try container.encode(resource_count, forKey: .resource_count)
            try container.encode(failed_finding_count, forKey: .failed_finding_count)
            try container.encode(queued_at, forKey: .queued_at)
            try container.encode(started_at, forKey: .started_at)
            try container.encode(finished_at, forKey: .finished_at)
        }
        enum CodingKeys: String, CodingKey {
            case id, cloud_identity_id, status, trigger, service_errors, error, resource_count, failed_finding_count, queued_at, started_at, finished_at
        }
    }

    struct Finding: Encodable {
        let id: UUID
        let cloud_identity_id: UUID
        let check_id: String
        let title: String
        let severity: String
        let status: String
        let state: String
        let new: Bool
        let status_extended: String
        let resource_arn: String
        let service: String
        let region: String
        let remediation: String
        let reference_url: String
        let first_seen_at: String
        let last_seen_at: String
        let resolved_at: String?
    }

    static let severities = Set(Check.Severity.allCases.map(\.rawValue))
    let router: Router

    init(context: InitContext) async throws {
        let database = try Database(environment: context.environment, applicationName: context.functionName)
        let verifier = try await CallerVerifier(configuration: .init(environment: context.environment))

        var router = Router()
        router.get("/api/scans") { request, _ in
            let caller = try await verifier.verify(request)
            let filter = try Filter(request)
            let rows = try await database.userSession(caller).query(inWorkspace: filter.organization, """
                SELECT id, cloud_identity_id, status, trigger, service_errors::text AS service_errors, error, resource_count, failed_finding_count,
                       queued_at, started_at, finished_at
                FROM public.scans s
                WHERE organization_id = $1 AND ($2::uuid IS NULL OR cloud_identity_id = $2) AND ($3::text[] IS NULL OR status = ANY($3))
                  AND ($4::uuid IS NULL OR (queued_at, id) < (SELECT queued_at, id FROM public.scans WHERE id = $4))
                ORDER BY queued_at DESC, id DESC
                LIMIT $5
                """, filter.organization, filter.identity, try filter.list("status", allowed: ["queued", "running", "succeeded", "partial", "failed", "cancelled"]),
                filter.cursor, filter.limit + 1).rows
            let items = try rows.prefix(filter.limit).map { row in
                Scan(id: try row["id"], cloud_identity_id: try row["cloud_identity_id"], status: try row["status"], trigger: try row["trigger"],
                     service_errors: try row["service_errors"], error: try row["error"], resource_count: try row["resource_count"],
                     failed_finding_count: try row["failed_finding_count"], queued_at: try Self.time(row, "queued_at")!,
                     started_at: try Self.time(row, "started_at"), finished_at: try Self.time(row, "finished_at"))
            }
            return try .json(Page(items: items, next_cursor: rows.count > filter.limit ? items.last?.id.uuidString.lowercased() : nil))
        }

        router.get("/api/findings") { request, _ in
            let caller = try await verifier.verify(request)
            let filter = try Filter(request)
            let rows = try await database.userSession(caller).query(inWorkspace: filter.organization, """
                SELECT f.id, f.cloud_identity_id, f.check_id, f.severity, f.status, f.state, f.status_extended, f.resource_arn, f.service, f.region,
                       f.first_seen_at, f.last_seen_at, f.resolved_at,
                       (f.status = 'FAIL' AND f.first_seen_at >= coalesce(s.started_at, s.queued_at)) AS new
                FROM public.findings f LEFT JOIN public.scans s ON s.id = f.last_scan_id
                WHERE f.organization_id = $1 AND ($2::uuid IS NULL OR f.cloud_identity_id = $2)
                  AND ($3::text[] IS NULL OR f.severity = ANY($3)) AND ($4::text[] IS NULL OR f.status = ANY($4))
                  AND ($5::text[] IS NULL OR f.service = ANY($5)) AND ($6::text[] IS NULL OR f.state = ANY($6))
                  AND ($7::text[] IS NULL OR f.check_id = ANY($7))
                  AND ($8::uuid IS NULL OR (\(Self.rank("f.severity")), f.id) <
                       (SELECT \(Self.rank("c.severity")), c.id FROM public.findings c WHERE c.id = $8))
                ORDER BY \(Self.rank("f.severity")) DESC, f.id DESC
                LIMIT $9
                """, filter.organization, filter.identity, try filter.list("severity", allowed: Self.severities),
                try filter.list("status", allowed: ["PASS", "FAIL"]), try filter.list("service"), try filter.list("state", allowed: ["open", "resolved"]),
                try filter.list("check_id"), filter.cursor, filter.limit + 1).rows
            let items = try rows.prefix(filter.limit).map { row in
                let checkID: String = try row["check_id"]
                let check = SecurityChecks.check(checkID)
                return Finding(
                    id: try row["id"], cloud_identity_id: try row["cloud_identity_id"], check_id: checkID, title: check?.title ?? checkID,
                    severity: try row["severity"], status: try row["status"], state: try row["state"], new: try row["new"],
                    status_extended: try row["status_extended"], resource_arn: try row["resource_arn"], service: try row["service"], region: try row["region"],
                    remediation: check?.remediation ?? "", reference_url: check?.referenceURL ?? "",
                    first_seen_at: try Self.time(row, "first_seen_at")!, last_seen_at: try Self.time(row, "last_seen_at")!,
                    resolved_at: try Self.time(row, "resolved_at"))
            }
            return try .json(Page(items: items, next_cursor: rows.count > filter.limit ? items.last?.id.uuidString.lowercased() : nil))
        }
        self.router = router
    }

    /// A severity column as its rank in the checks' order (critical highest), for sorting and cursors.
    static func rank(_ column: String) -> String {
        "CASE \(column) " + Check.Severity.allCases.enumerated().map { "WHEN '\($1.rawValue)' THEN \($0)" }.joined(separator: " ") + " END"
    }

    static func time(_ row: Row, _ column: String) throws -> String? {
        let date: Date? = try row[column]
        return date?.formatted(.iso8601)
    }

    /// The query string: the workspace (required), an identity, a page size and cursor, and
    /// comma-separated filters checked against what they may hold.
    struct Filter {
        let request: APIGatewayV2Request
        let organization: UUID
        let identity: UUID?
        let cursor: UUID?
        let limit: Int

        init(_ request: APIGatewayV2Request) throws {
            self.request = request
            organization = try request.workspaceQuery()
            identity = try request.uuidQuery("cloud_identity_id")
            cursor = try request.uuidQuery("cursor")
            limit = try request.pageLimit()
        }

        func list(_ name: String, allowed: Set<String>? = nil) throws -> [String]? {
            guard let text = request.query(name), !text.isEmpty else { return nil }
            let values = text.split(separator: ",").map(String.init)
            if let allowed, let bad = values.first(where: { !allowed.contains($0) }) {
                throw HTTPError.badRequest("\(name) cannot be \(bad); one of \(allowed.sorted().joined(separator: ", "))")
            }
            return values
        }
    }
}
