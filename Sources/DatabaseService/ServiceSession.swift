@_spi(Privileged) import Database

/// The system's view of the database: role `service_role`, which bypasses row-level security.
///
/// Only system functions (scan runner, scheduled token refresh, dispatchers) depend on this
/// module; a user-facing function cannot import it, so it cannot construct one — a compile error,
/// not a review comment. A test checks the package graph against the template's HTTP routes.
public struct ServiceSession: DatabaseSession {
    let scope: SessionScope

    public init(database: Database) {
        scope = database.privilegedScope(role: "service_role", claimsJSON: #"{"role":"service_role"}"#)
    }

    public func query(_ sql: String, _ parameters: (any PostgresEncodable)?...) async throws(DatabaseError) -> QueryResult {
        try await scope.query(sql, parameters)
    }

    public func batch(_ statements: [Statement]) async throws(DatabaseError) -> [QueryResult] {
        try await scope.batch(statements)
    }

    public func transaction<T: Sendable>(_ body: (Transaction) async throws -> T) async throws -> T {
        try await scope.transaction(body)
    }
}
