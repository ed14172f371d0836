import FoundationEssentials

/// What every session kind shares: statements run inside a transaction whose first statement
/// sets the role and the JWT claims (transaction-local, as PostgREST does), pipelined with the
/// statements into one round trip.
///
/// A one-shot batch needs no BEGIN / COMMIT: everything a pipeline sends before its Sync runs in
/// one implicit transaction, which commits at the Sync, rolls back entirely if any statement
/// fails, and ends the transaction-local role and claims with it (checked by the tests). That
/// saves two statements' worth of server work on every request.
@_spi(Privileged) public struct SessionScope: Sendable {
    let connection: Connection
    let role: String
    let claimsJSON: String
    /// Also set alone as `request.jwt.claim.sub`, which auth.uid() reads before parsing the
    /// claims JSON: policies call it several times per statement.
    let subject: String
    var cloudProvider: String?
    /// For user sessions: the caller whose existence (and CLI session, if any) the first statement
    /// re-checks in the database, in the same round trip.
    let caller: Caller?

    struct Caller: Sendable {
        let user: UUID
        let cliSession: UUID?
    }

    init(connection: Connection, role: String, claimsJSON: String, subject: String = "", cloudProvider: String? = nil, caller: Caller? = nil) {
        self.connection = connection
        self.role = role
        self.claimsJSON = claimsJSON
        self.subject = subject
        self.cloudProvider = cloudProvider
        self.caller = caller
    }

    static let maximumAttempts = 3

    var roleAndClaims: Statement {
        guard let caller else {
            return Statement(
                """
                SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true),
                       set_config('request.jwt.claim.sub', $3, true), set_config('request.cloud_provider', $4, true)
                """,
                role, claimsJSON, subject, cloudProvider ?? "")
        }
        // private.verify_caller raises SQLSTATE 28000 for a user that no longer exists or a CLI
        // session that has ended; it takes its arguments directly, so it does not depend on the
        // order in which the settings beside it are made.
        return Statement(
            """
            SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true),
                   set_config('request.jwt.claim.sub', $3, true), set_config('request.cloud_provider', $4, true),
                   private.verify_caller($5, $6)
            """,
            role, claimsJSON, subject, cloudProvider ?? "", caller.user, caller.cliSession)
    }

    /// The statements in one transaction, in one round trip; retried on serialization failures.
    public func batch(_ statements: [Statement]) async throws(DatabaseError) -> [QueryResult] {
        var attempt = 1
        while true {
            await connection.lease()
            do {
                let results = try await connection.run([roleAndClaims] + statements)
                await connection.release()
                return Array(results.dropFirst())
            } catch .serializationFailure(let message) {
                await connection.release()
                guard attempt < Self.maximumAttempts else { throw .serializationFailure(message) }
                attempt += 1
            } catch {
                await connection.release()
                throw error
            }
        }
    }

    public func query(_ sql: String, _ parameters: [(any PostgresEncodable)?]) async throws(DatabaseError) -> QueryResult {
        try await batch([Statement(sql, parameters: parameters)])[0]
    }

    /// A transaction whose statements depend on each other's results; `body` may run again on a
    /// serialization failure, so it must not have effects outside the database.
    public func transaction<T: Sendable>(_ body: (Transaction) async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            await connection.lease()
            let transaction = Transaction(connection: connection, prologue: [Statement("BEGIN"), roleAndClaims])
            do {
                let value = try await body(transaction)
                try await transaction.commit()
                await connection.release()
                return value
            } catch DatabaseError.serializationFailure(let message) {
                await transaction.abandon()
                await connection.release()
                guard attempt < Self.maximumAttempts else { throw DatabaseError.serializationFailure(message) }
                attempt += 1
            } catch {
                await transaction.abandon()
                await connection.release()
                throw error
            }
        }
    }
}

/// The statements of one open transaction. The role and claims are sent with its first statement.
public final class Transaction: @unchecked Sendable {
    private let connection: Connection
    private var pending: [Statement]
    private var open = false
    private var failed = false

    init(connection: Connection, prologue: [Statement]) {
        self.connection = connection
        self.pending = prologue
    }

    public func query(_ sql: String, _ parameters: (any PostgresEncodable)?...) async throws(DatabaseError) -> QueryResult {
        try await batch([Statement(sql, parameters: parameters)])[0]
    }

    public func batch(_ statements: [Statement]) async throws(DatabaseError) -> [QueryResult] {
        guard !failed else { throw .invalid("the transaction already failed") }
        // Refused input never reaches the server, so the transaction is still open there and
        // must stay usable (or be rolled back), not be taken for rolled back.
        try Statement.checkSendable(statements)
        let prefix = pending
        do {
            let results = try await connection.run(prefix + statements)
            pending = []
            open = true
            return Array(results[prefix.count...])
        } catch {
            failed = true  // the connection rolled it back
            throw error
        }
    }

    func commit() async throws(DatabaseError) {
        guard open, !failed else { return }
        _ = try await connection.run([Statement("COMMIT")])
        open = false
    }

    func abandon() async {
        guard open, !failed else { return }
        _ = try? await connection.run([Statement("ROLLBACK")])
        open = false
    }
}
