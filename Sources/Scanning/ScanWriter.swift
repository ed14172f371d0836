import Database
import Domain
import FoundationEssentials

/// A scan's results into the workspace's tables, in batches of a few hundred rows, one
/// transaction each. Every write is an upsert on the resource's ARN or the (check, resource)
/// pair, so a scan written twice leaves the same rows; and every write first checks the scan is
/// still running, so a revocation in the middle stops it.
struct ScanWriter {
    let scanID: UUID
    let organizationID: UUID
    let identityID: UUID
    let session: any DatabaseSession
    static let batchSize = 500

    func write(resources: [CloudResource], findings: [Finding]) async throws {
        let resources = Array(Dictionary(resources.map { ($0.arn, $0) }, uniquingKeysWith: { $1 }).values)
        for start in stride(from: 0, to: resources.count, by: Self.batchSize) {
            try await upsert(resources: resources[start..<min(start + Self.batchSize, resources.count)])
        }
        let findings = Array(Dictionary(findings.map { ("\($0.checkID) \($0.resourceARN)", $0) }, uniquingKeysWith: { $1 }).values)
        for start in stride(from: 0, to: findings.count, by: Self.batchSize) {
            try await upsert(findings: findings[start..<min(start + Self.batchSize, findings.count)])
        }
    }

    private func upsert(resources: ArraySlice<CloudResource>) async throws {
        let encoder = JSONEncoder()
        let attributes = try resources.map { String(decoding: try encoder.encode($0.attributes), as: UTF8.self) }
        _ = try await session.query("""
            INSERT INTO public.resources (organization_id, cloud_identity_id, arn, resource_type, service, region, attributes, last_scan_id)
            SELECT $1, $2, r.arn, r.type, r.service, r.region, r.attributes::jsonb, $3
            FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS r(arn, type, service, region, attributes)
            WHERE EXISTS (SELECT 1 FROM public.scans WHERE id = $3 AND status = 'running')
            ON CONFLICT (cloud_identity_id, arn) DO UPDATE SET
              resource_type = EXCLUDED.resource_type, service = EXCLUDED.service, region = EXCLUDED.region,
              attributes = EXCLUDED.attributes, last_scan_id = EXCLUDED.last_scan_id, last_seen_at = now()
            """, organizationID, identityID, scanID, resources.map(\.arn), resources.map(\.type), resources.map(\.service),
            resources.map(\.region), attributes)
    }

    /// The lifecycle across scans: a FAIL that was not an open FAIL is new (its first-seen time
    /// is now); an open FAIL that now passes is resolved (with the time); an unchanged FAIL keeps
    /// its first-seen time.
    private func upsert(findings: ArraySlice<Finding>) async throws {
        _ = try await session.query("""
            INSERT INTO public.findings (organization_id, cloud_identity_id, last_scan_id, resource_arn, region, service, check_id, severity,
                                         status, status_extended, state)
            SELECT $1, $2, $3, f.arn, f.region, f.service, f.check_id, f.severity, f.status, f.line,
                   CASE WHEN f.status = 'FAIL' THEN 'open' ELSE 'resolved' END
            FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
                 AS f(arn, region, service, check_id, severity, status, line)
            WHERE EXISTS (SELECT 1 FROM public.scans WHERE id = $3 AND status = 'running')
            ON CONFLICT (cloud_identity_id, check_id, resource_arn) DO UPDATE SET
              first_seen_at = CASE WHEN EXCLUDED.status = 'FAIL' AND NOT (findings.status = 'FAIL' AND findings.state = 'open')
                                   THEN now() ELSE findings.first_seen_at END,
              resolved_at = CASE WHEN EXCLUDED.status = 'FAIL' THEN NULL
                                 WHEN findings.status = 'FAIL' AND findings.state = 'open' THEN now()
                                 ELSE findings.resolved_at END,
              state = EXCLUDED.state, status = EXCLUDED.status, status_extended = EXCLUDED.status_extended,
              severity = EXCLUDED.severity, region = EXCLUDED.region, service = EXCLUDED.service,
              last_scan_id = EXCLUDED.last_scan_id, last_seen_at = now()
            """, organizationID, identityID, scanID, findings.map(\.resourceARN), findings.map(\.region), findings.map(\.service),
            findings.map(\.checkID), findings.map(\.severity.rawValue), findings.map(\.verdict.status.rawValue), findings.map(\.verdict.line))
    }

    /// What the scan did not see any more, in the parts it read completely, is gone: its
    /// resources are removed and its open findings resolved. Then the recommendations, the
    /// scan's status and the identity's last scan time — in one transaction.
    func finish(status: String, completed: [(service: String, region: String?)], serviceErrors: [String: String],
                resourceCount: Int, failedFindings: Int) async throws {
        let services = completed.map(\.service), regions = completed.map { $0.region ?? "" }
        let checks = SecurityChecks.all
        let completedUnit = "EXISTS (SELECT 1 FROM unnest($3::text[], $4::text[]) AS u(service, region) WHERE u.service = %@.service AND (u.region = '' OR u.region = %@.region))"
        func unit(_ table: String) -> String { completedUnit.replacing("%@", with: table) }
        _ = try await session.batch([
            Statement("""
                DELETE FROM public.resources r WHERE r.cloud_identity_id = $1 AND r.last_scan_id IS DISTINCT FROM $2 AND \(unit("r"))
                  AND EXISTS (SELECT 1 FROM public.scans WHERE id = $2 AND status = 'running')
                """, identityID, scanID, services, regions),
            Statement("""
                UPDATE public.findings f SET state = 'resolved', resolved_at = now(), status_extended = f.status_extended || ' (Resolved: no longer found.)'
                WHERE f.cloud_identity_id = $1 AND f.last_scan_id IS DISTINCT FROM $2 AND f.status = 'FAIL' AND f.state = 'open' AND \(unit("f"))
                  AND EXISTS (SELECT 1 FROM public.scans WHERE id = $2 AND status = 'running')
                """, identityID, scanID, services, regions),
            Statement("""
                INSERT INTO public.recommendations (organization_id, cloud_identity_id, check_id, severity, title, remediation, reference_url,
                                                    affected_resource_count, state, updated_at)
                SELECT $1, $2, c.check_id, c.severity, c.title, c.remediation, c.url, coalesce(f.failing, 0),
                       CASE WHEN coalesce(f.failing, 0) > 0 THEN 'open' ELSE 'resolved' END, now()
                FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS c(check_id, severity, title, remediation, url)
                LEFT JOIN (SELECT check_id, count(*)::int AS failing FROM public.findings
                           WHERE cloud_identity_id = $2 AND status = 'FAIL' AND state = 'open' GROUP BY check_id) f USING (check_id)
                WHERE EXISTS (SELECT 1 FROM public.scans WHERE id = $8 AND status = 'running')
                ON CONFLICT (cloud_identity_id, check_id) DO UPDATE SET
                  severity = EXCLUDED.severity, title = EXCLUDED.title, remediation = EXCLUDED.remediation, reference_url = EXCLUDED.reference_url,
                  affected_resource_count = EXCLUDED.affected_resource_count, state = EXCLUDED.state, updated_at = now()
                """, organizationID, identityID, checks.map(\.id), checks.map(\.severity.rawValue), checks.map(\.title), checks.map(\.remediation),
                checks.map(\.referenceURL), scanID),
            Statement("""
                UPDATE public.cloud_identities SET last_scanned_at = now()
                WHERE id = $1 AND EXISTS (SELECT 1 FROM public.scans WHERE id = $2 AND status = 'running')
                """, identityID, scanID),
            Statement("""
                UPDATE public.scans SET status = $2, finished_at = now(), service_errors = $3::jsonb, resource_count = $4, failed_finding_count = $5,
                  error = CASE WHEN $2 = 'failed' THEN 'no part of the account could be read' END
                WHERE id = $1 AND status = 'running'
                """, scanID, status, try JSONText(encoding: serviceErrors), resourceCount, failedFindings),
        ])
    }
}
