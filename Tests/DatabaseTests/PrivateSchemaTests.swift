import Foundation
import Testing
@_spi(Privileged) import Database
import DatabaseService

/// The `private` schema holds what no user may read directly (the CLI flow's state, provider
/// tokens waiting to be sealed): users and anon reach it only through its functions.
struct PrivateSchemaTests {
    @Test func noPrivateTableIsReadableByUsersOrAnon() async throws {
        let test = try await TestDatabase()
        let user = try await test.session(for: try await test.makeUser())
        let tables: [String] = try await test.service.query(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'private' AND c.relkind = 'r'").rows.map { try $0["relname"] }
        #expect(tables.contains("provider_token_imports"))
        for table in tables {
            switch await outcome({ () async throws(DatabaseError) in try await user.query("SELECT count(*) FROM private.\(table)") }) {
            case .failure(.forbidden): break
            case let other: Issue.record("private.\(table): a user's read was not refused: \(other)")
            }
            switch await outcome({ () async throws(DatabaseError) in try await test.database.anonymousSession().query("SELECT count(*) FROM private.\(table)") }) {
            case .failure(.forbidden): break
            case let other: Issue.record("private.\(table): anon's read was not refused: \(other)")
            }
        }
    }

    @Test func aPendingProviderTokenImportIsHandedOnlyToItsOwner() async throws {
        let test = try await TestDatabase()
        let alice = try await test.makeUser(), bob = try await test.makeUser()
        _ = try await test.service.query(
            "INSERT INTO private.provider_token_imports (user_id, provider, access_token) VALUES ($1, 'github', 'gho_alice')", alice)

        let stolen = try await test.session(for: bob).query("SELECT access_token FROM private.take_provider_token_import($1, 'github')", alice)
        #expect(stolen.rows.isEmpty)
        let taken = try await test.session(for: alice).query("SELECT access_token FROM private.take_provider_token_import($1, 'github')", alice)
        #expect(try taken.first?["access_token"] as String? == "gho_alice")
        #expect(try await count(test.service, "SELECT count(*) FROM private.provider_token_imports WHERE user_id = $1", alice) == 0)
    }
}
