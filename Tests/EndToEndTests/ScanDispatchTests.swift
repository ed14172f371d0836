import AWSTestSupport
import Foundation
import Runtime
import Testing
@_spi(Privileged) import Database

/// The schedule's tick. It acts on every identity in the database, so `scripts/test.sh` runs it
/// alone (PLATFORM_WHOLE_DATABASE_TESTS=1), after the other suites.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["PLATFORM_WHOLE_DATABASE_TESTS"] == "1"))
final class ScanDispatchTests: @unchecked Sendable {
    let gateway: GatewayProcess
    let owner: Database
    let account: CustomerAccount

    init() throws {
        gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8), environment: ["SCAN_REGIONS": "us-east-1"])
        owner = try Database(url: try #require(ProcessInfo.processInfo.environment["MIGRATION_DATABASE_URL"]), applicationName: "scan-dispatch-tests")
        account = try CustomerAccount()
    }

    func scans(of identity: UUID) async throws -> [String] {
        try await owner.runAsConnectedRole([Statement("SELECT status FROM public.scans WHERE cloud_identity_id = $1 ORDER BY queued_at", identity)])[0]
            .rows.map { try $0["status"] as String }
    }

    func dispatch() throws -> [String: Any] {
        let response = try gateway.invoke("scan-dispatch", "{}")
        #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
        return try jsonObject(response.body)
    }

    @Test func dueIdentitiesAreScannedOnceAndRevokedOnesNotAtAll() async throws {
        // Whatever earlier suites left behind is neither due nor pending for this test.
        _ = try await owner.runAsConnectedRole([
            Statement("UPDATE public.scans SET status = 'cancelled' WHERE status IN ('queued', 'running')"),
            Statement("UPDATE public.cloud_identities SET last_scanned_at = now()"),
        ])
        let due = try await ScanWorkspace(gateway: gateway, owner: owner, account: account)
        let revoked = try await ScanWorkspace(gateway: gateway, owner: owner, account: account)
        #expect(try gateway.request("DELETE", "/api/cloud-identities/\(revoked.identity)", headers: [("Authorization", "Bearer \(revoked.admin.token)")]).status == 204)

        #expect(try dispatch()["queued"] as? Int == 1)
        // A second tick while the scan is pending (or just done) queues nothing more.
        #expect(try dispatch()["queued"] as? Int == 0)
        let scanned = try await eventually { try await self.scans(of: due.identity) == ["succeeded"] }
        let history = try await scans(of: due.identity)
        #expect(scanned, "\(history)")
        #expect(try dispatch()["queued"] as? Int == 0, "scanned within the interval")
        #expect(try await scans(of: revoked.identity).isEmpty)

        // A queued scan whose event was lost is handed over again.
        _ = try await owner.runAsConnectedRole([Statement(
            "INSERT INTO public.scans (organization_id, cloud_identity_id, trigger, queued_at) VALUES ($1, $2, 'schedule', now() - interval '1 hour')",
            due.organization, due.identity)])
        #expect(try dispatch()["resent"] as? Int == 1)
        let rescanned = try await eventually { try await self.scans(of: due.identity) == ["succeeded", "succeeded"] }
        #expect(rescanned)
    }
}
