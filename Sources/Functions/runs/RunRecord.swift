import Database
import Domain
import FoundationEssentials

/// A run as the API shows it: never its uploaded files or variables' values (they may be
/// sensitive and are the requester's), never a credential (there is none to show).
struct RunRecord: Encodable {
    static let columns = """
        r.id, r.organization_id, r.cloud_identity_id, r.stack, r.command, r.source::text AS source, r.status, r.exit_code, \
        r.plan_summary::text AS plan_summary, r.error, r.requested_by, r.queued_at, r.started_at, r.locked_at, r.finished_at, \
        r.cancel_requested_at, (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(r.variables) k) AS variable_names
        """

    let id: UUID
    let organization_id: UUID
    let cloud_identity_id: UUID
    let stack: String
    let command: String
    let source: AttributeValue
    let status: String
    let exit_code: Int?
    let plan_summary: PlanSummary?
    let error: String?
    let requested_by: UUID?
    let variable_names: [String]
    let queued_at: Date
    let started_at: Date?
    let locked_at: Date?
    let finished_at: Date?
    let cancel_requested_at: Date?

    init(_ row: Row) throws {
        id = try row["id"]
        organization_id = try row["organization_id"]
        cloud_identity_id = try row["cloud_identity_id"]
        stack = try row["stack"]
        command = try row["command"]
        source = try (try row["source"] as JSONText).decode(AttributeValue.self)
        status = try row["status"]
        exit_code = try row["exit_code"]
        plan_summary = try (try row["plan_summary"] as JSONText?)?.decode(PlanSummary.self)
        error = try row["error"]
        requested_by = try row["requested_by"]
        variable_names = try row["variable_names"] ?? []
        queued_at = try row["queued_at"]
        started_at = try row["started_at"]
        locked_at = try row["locked_at"]
        finished_at = try row["finished_at"]
        cancel_requested_at = try row["cancel_requested_at"]
    }
}
