import FoundationEssentials
import Runtime

extension UserSession {
    /// A query over one workspace's rows, sent in the same round trip (and transaction) as the
    /// check that the caller is in the workspace — row-level security answers both. A workspace
    /// the caller is not in is then 404, like anything else they cannot see, rather than an empty
    /// list that reads as an empty workspace (and hides a mistyped ID).
    public func query(inWorkspace workspace: UUID, _ sql: String, _ parameters: (any PostgresEncodable)?...) async throws -> QueryResult {
        let results = try await batch([Statement("SELECT 1 AS member FROM public.organizations WHERE id = $1", workspace), Statement(sql, parameters: parameters)])
        guard !results[0].rows.isEmpty else { throw HTTPError.notFound("no such workspace") }
        return results[1]
    }

    /// The caller is in the workspace (any role), else 404 as for anything they cannot see.
    public func requireMember(of workspace: UUID) async throws {
        guard try await query("SELECT 1 AS member FROM public.organizations WHERE id = $1", workspace).first != nil else {
            throw HTTPError.notFound("no such workspace")
        }
    }
}
