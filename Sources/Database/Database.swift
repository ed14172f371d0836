import Runtime

/// The platform's database: one connection per process (made at init, reused by every
/// invocation), reached only through sessions that fix the caller's role for each transaction.
///
/// - `userSession(_:)`: role `authenticated` with the caller's verified JWT claims, so row-level
///   security sees `auth.uid()`.
/// - `anonymousSession()`: role `anon`, for public endpoints.
/// - The service session (`service_role`, which bypasses RLS) is not here: it lives in the
///   `DatabaseService` module, which user-facing functions do not depend on.
public final class Database: Sendable {
    let connection: Connection

    public init(url: String, applicationName: String) throws(DatabaseError) {
        connection = try Connection(url: url, applicationName: applicationName)
    }

    /// `DATABASE_URL`; the connection is opened now (init phase), not at the first request.
    public convenience init(environment: Environment, applicationName: String) throws {
        try self.init(url: try environment.required("DATABASE_URL"), applicationName: applicationName)
    }

    /// Every statement of the session first re-checks, in the same round trip, that the caller's
    /// user still exists and that a platform CLI token's session is still live.
    public func userSession(_ claims: VerifiedClaims) -> UserSession {
        UserSession(
            scope: SessionScope(
                connection: connection, role: "authenticated", claimsJSON: claims.json, subject: claims.userID.uuidString.lowercased(),
                caller: .init(user: claims.userID, cliSession: claims.cliSessionID)),
            claims: claims)
    }

    public func anonymousSession() -> AnonymousSession {
        AnonymousSession(scope: SessionScope(connection: connection, role: "anon", claimsJSON: #"{"role":"anon"}"#))
    }

    /// A session in any role. Only for the `DatabaseService` module and the migrator.
    @_spi(Privileged) public func privilegedScope(role: String, claimsJSON: String) -> SessionScope {
        SessionScope(connection: connection, role: role, claimsJSON: claimsJSON)
    }

    /// Runs a multi-statement script as the connecting role (migrations).
    @_spi(Privileged) public func runScript(_ sql: String) async throws(DatabaseError) {
        await connection.lease()
        do {
            try await connection.runScript(sql)
            await connection.release()
        } catch {
            await connection.release()
            throw error
        }
    }

    /// Statements as the connecting role, without a session's role and claims (migrations, benchmarks).
    @_spi(Privileged) public func runAsConnectedRole(_ statements: [Statement]) async throws(DatabaseError) -> [QueryResult] {
        await connection.lease()
        do {
            let results = try await connection.run(statements)
            await connection.release()
            return results
        } catch {
            await connection.release()
            throw error
        }
    }

    /// Network round trips this process has made, for benchmarks and tests.
    @_spi(Privileged) public func roundTrips() async -> Int { await connection.roundTrips }
}
