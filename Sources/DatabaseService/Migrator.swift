@_spi(Privileged) import Database

/// Applies `infra/migrations/*.sql` in name order, each once, each in its own transaction, and
/// records them in `platform_migrations.applied`. Runs as the database owner (not through RLS).
/// An advisory lock keeps two migrators from racing.
public struct Migrator: Sendable {
    public struct Migration: Sendable, Equatable {
        public let name: String
        public let sql: String

        public init(name: String, sql: String) {
            self.name = name
            self.sql = sql
        }
    }

    let database: Database

    public init(database: Database) { self.database = database }

    /// The migrations applied by this run (empty when the database was up to date).
    public func apply(_ migrations: [Migration]) async throws -> [String] {
        try await database.runScript("""
            SELECT pg_advisory_lock(727274);
            CREATE SCHEMA IF NOT EXISTS platform_migrations;
            CREATE TABLE IF NOT EXISTS platform_migrations.applied (
                name text PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            """)
        do {
            let done = try await database.runAsConnectedRole([Statement("SELECT name FROM platform_migrations.applied")])[0]
            let alreadyApplied = Set(try done.rows.map { row throws(DatabaseError) -> String in try row["name"] })
            var applied: [String] = []
            for migration in migrations.sorted(by: { $0.name < $1.name }) where !alreadyApplied.contains(migration.name) {
                let quotedName = "'" + migration.name.replacing("'", with: "''") + "'"
                try await database.runScript("BEGIN;\n\(migration.sql)\n;\nINSERT INTO platform_migrations.applied (name) VALUES (\(quotedName));\nCOMMIT;")
                applied.append(migration.name)
            }
            try await database.runScript("SELECT pg_advisory_unlock(727274);")
            return applied
        } catch {
            try? await database.runScript("SELECT pg_advisory_unlock(727274);")
            throw error
        }
    }
}
