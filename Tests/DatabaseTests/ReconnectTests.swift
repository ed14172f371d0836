import Foundation
import Testing
@testable import Database

/// Restarts the real server under the connection. `scripts/test.sh` runs this suite on its own
/// (PLATFORM_WHOLE_DATABASE_TESTS=1), so no other test is mid-query when the server goes away.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["PLATFORM_WHOLE_DATABASE_TESTS"] == "1"))
struct ReconnectTests {
    @Test func aSessionReconnectsAfterThePostgresServerRestarts() async throws {
        let environment = ProcessInfo.processInfo.environment
        let dataDirectory = try #require(environment["PG_DATA_DIRECTORY"])
        let binDirectory = try #require(environment["PG_BIN_DIRECTORY"])
        let test = try await TestDatabase()
        let anonymous = test.database.anonymousSession()
        let before: Int = try #require(try await anonymous.query("SELECT pg_backend_pid() AS pid").first)["pid"]

        // system(3) rather than Process: it reaps the child itself (Process missed runuser's exit here).
        let status = system("runuser -u postgres -- '\(binDirectory)/pg_ctl' -D '\(dataDirectory)' -w -m fast restart >/dev/null 2>&1")
        #expect(status == 0)

        let after: Int = try #require(try await anonymous.query("SELECT pg_backend_pid() AS pid").first)["pid"]
        #expect(after != before)
    }
}
