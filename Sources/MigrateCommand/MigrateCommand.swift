import ArgumentParser
@_spi(Privileged) import Database
import DatabaseService
import Foundation
import GitTokens
import Runtime

@main
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Applies infra/migrations/*.sql that the database has not seen yet, in name order.",
        discussion: """
            With PROVIDER_TOKEN_IMPORT_KEY set, it then publishes that key's public half to the database, \
            which seals the provider tokens of sign-ins with it.
            """)

    @Option(help: "The migrations folder.")
    var directory = "infra/migrations"

    @Option(help: "Connection URL of the database owner (default: MIGRATION_DATABASE_URL, then DATABASE_URL).")
    var databaseURL: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let databaseURL = databaseURL ?? environment["MIGRATION_DATABASE_URL"] ?? environment["DATABASE_URL"] else { throw ValidationError("set MIGRATION_DATABASE_URL or pass --database-url") }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }.sorted()
        let migrations = try files.map { file in
            Migrator.Migration(name: file, sql: try String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8))
        }
        let database = try Database(url: databaseURL, applicationName: "migrate")
        let applied = try await Migrator(database: database).apply(migrations)
        FileHandle.standardError.write(Data((applied.isEmpty ? "migrations: up to date\n" : applied.map { "applied \($0)\n" }.joined()).utf8))
        if let key = try SignInTokenKey(environment: Runtime.Environment()) {
            let published = try await database.runAsConnectedRole([Statement(
                "SELECT private.publish_provider_token_import_key($1) AS key_id", Bytes(try key.openPGPPublicKey()))])
            let keyID: String = try published[0].first?["key_id"] ?? "?"
            FileHandle.standardError.write(Data("sign-in token key published (OpenPGP key id \(keyID))\n".utf8))
        }
    }
}
