/// What a use case needs from whichever session its caller holds. The session decides what its
/// statements can reach (row-level security for users, everything for the system); code written
/// against this protocol cannot widen that.
public protocol DatabaseSession: Sendable {
    func query(_ sql: String, _ parameters: (any PostgresEncodable)?...) async throws(DatabaseError) -> QueryResult
    func batch(_ statements: [Statement]) async throws(DatabaseError) -> [QueryResult]
    func transaction<T: Sendable>(_ body: (Transaction) async throws -> T) async throws -> T
}

/// The signed-in caller's view of the database: role `authenticated`, claims from a verified
/// token, so every statement is filtered by row-level security.
public struct UserSession: DatabaseSession {
    let scope: SessionScope
    public let claims: VerifiedClaims

    /// Cloud identities of other providers become invisible (an AWS identity never appears in a GCP context).
    public func scoped(toCloudProvider provider: String) -> UserSession {
        var scope = scope
        scope.cloudProvider = provider
        return UserSession(scope: scope, claims: claims)
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

/// A public endpoint's view: role `anon`, which reaches only the few functions granted to it.
public struct AnonymousSession: DatabaseSession {
    let scope: SessionScope

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
