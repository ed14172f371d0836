import Database
import Domain
import FoundationEssentials
import Runtime

/// `GET /api/audit-events?organization_id=…`: the workspace's trail, newest first, for its members
/// (user session, row-level security) — who connected or revoked what, and who got credentials for
/// which identity, when and until when. Filters: `action` (comma-separated), `cloud_identity_id`,
/// `user_id`, `since` / `until` (ISO 8601); keyset pages (`limit`, `cursor` = the last id seen).
struct AuditEvents: HTTPFunction {
    struct AuditEvent: Encodable {
        let id: String
        let occurred_at: Date
        let action: String
        let actor: String
        let user_id: UUID?
        let cloud_identity_id: UUID?
        let details: AttributeValue
        let expires_at: Date?
    }

    struct Page: Encodable {
        let items: [AuditEvent]
        let next_cursor: String?
    }

    let router: Router

    init(context: InitContext) async throws {
        let database = try Database(environment: context.environment, applicationName: context.functionName)
        let verifier = try await CallerVerifier(configuration: .init(environment: context.environment))

        var router = Router()
        router.get("/api/audit-events") { request, _ in
            let caller = try await verifier.verify(request)
            let filter = try Filter(request)
            let rows = try await database.userSession(caller).query(inWorkspace: filter.organization, """
                SELECT id, occurred_at, action, actor, user_id, cloud_identity_id, details::text AS details, expires_at
                FROM public.audit_events
                WHERE organization_id = $1 AND ($2::text[] IS NULL OR action = ANY($2)) AND ($3::uuid IS NULL OR cloud_identity_id = $3)
                  AND ($4::uuid IS NULL OR user_id = $4) AND ($5::timestamptz IS NULL OR occurred_at >= $5)
                  AND ($6::timestamptz IS NULL OR occurred_at < $6) AND ($7::bigint IS NULL OR id < $7)
                ORDER BY id DESC
                LIMIT $8
                """, filter.organization, filter.actions, filter.identity, filter.user, filter.since, filter.until, filter.cursor, filter.limit + 1).rows
            let items = try rows.prefix(filter.limit).map { row in
                let id: Int = try row["id"]
                let details: JSONText = try row["details"]
                return AuditEvent(
                    id: String(id), occurred_at: try row["occurred_at"], action: try row["action"], actor: try row["actor"], user_id: try row["user_id"],
                    cloud_identity_id: try row["cloud_identity_id"], details: (try? details.decode(AttributeValue.self)) ?? .object([:]),
                    expires_at: try row["expires_at"])
            }
            return try .json(Page(items: items, next_cursor: rows.count > filter.limit ? items.last?.id : nil), headers: ["cache-control": "no-store"])
        }
        self.router = router
    }

    /// The query string, each value checked before it reaches the database.
    struct Filter {
        let organization: UUID
        let actions: [String]?
        let identity: UUID?
        let user: UUID?
        let since: Date?
        let until: Date?
        let cursor: Int?
        let limit: Int

        init(_ request: APIGatewayV2Request) throws {
            organization = try request.workspaceQuery()
            if let text = request.query("action"), !text.isEmpty {
                let actions = text.split(separator: ",").map(String.init)
                // The audit table's own definition of an action name.
                guard actions.allSatisfy({ $0.wholeMatch(of: /[a-z][a-z_.]{1,99}/) != nil }) else {
                    throw HTTPError.badRequest("action is a comma-separated list of action names such as cloud_identity.credentials_issued")
                }
                self.actions = actions
            } else {
                actions = nil
            }
            identity = try request.uuidQuery("cloud_identity_id")
            user = try request.uuidQuery("user_id")
            since = try Self.time(request.query("since"), "since")
            until = try Self.time(request.query("until"), "until")
            if let text = request.query("cursor") {
                guard let cursor = Int(text), cursor > 0 else { throw HTTPError.badRequest("cursor must be the next_cursor of the previous page") }
                self.cursor = cursor
            } else {
                cursor = nil
            }
            limit = try request.pageLimit()
        }

        static func time(_ text: String?, _ name: String) throws -> Date? {
            guard let text else { return nil }
            guard let date = try? Date(text, strategy: .iso8601) else { throw HTTPError.badRequest("\(name) must be an ISO 8601 time such as 2026-11-28T12:00:00Z") }
            return date
        }
    }
}
