import Foundation
import Testing
@testable import Database
import DatabaseService

/// Row-level security, table by table, for every table the catalog lists in the app schema — so
/// a table added later without RLS, or without a row in `seedEveryTable`, fails here.
@Suite struct IsolationMatrixTests {
    struct Tenant {
        let user: UUID
        let organization: UUID
    }

    /// One row in every app table for the tenant, written as the service role.
    static func seedEveryTable(_ tenant: Tenant, _ test: TestDatabase) async throws {
        let identity = UUID(), scan = UUID(), finding = UUID(), device = UUID(), session = UUID(), run = UUID()
        let arn = "arn:aws:iam::123456789012:role/platform-\(tenant.organization.uuidString.prefix(8))"
        func hash() -> Bytes { Bytes((0..<32).map { _ in UInt8.random(in: 0...255) }) }
        _ = try await test.service.batch([
            Statement("""
                INSERT INTO public.cloud_identities (id, organization_id, provider, aws_role_arn, aws_account_id, aws_external_id_hash, status)
                VALUES ($1, $2, 'aws', $3, '123456789012', $4, 'active')
                """, identity, tenant.organization, arn, hash()),
            Statement("INSERT INTO public.scans (id, organization_id, cloud_identity_id, trigger) VALUES ($1, $2, $3, 'schedule')",
                      scan, tenant.organization, identity),
            Statement("""
                INSERT INTO public.resources (organization_id, cloud_identity_id, arn, resource_type, service, region, last_scan_id)
                VALUES ($1, $2, 'arn:aws:s3:::bucket', 'AWS::S3::Bucket', 's3', 'us-east-1', $3)
                """, tenant.organization, identity, scan),
            Statement("""
                INSERT INTO public.findings (id, organization_id, cloud_identity_id, last_scan_id, resource_arn, service, check_id, severity, status)
                VALUES ($1, $2, $3, $4, 'arn:aws:s3:::bucket', 's3', 's3_bucket_public_access', 'critical', 'FAIL')
                """, finding, tenant.organization, identity, scan),
            Statement("""
                INSERT INTO public.recommendations (organization_id, cloud_identity_id, check_id, severity, title, remediation)
                VALUES ($1, $2, 's3_bucket_public_access', 'critical', 'Block public access', 'Turn on S3 Block Public Access.')
                """, tenant.organization, identity),
            Statement("INSERT INTO public.comments (organization_id, finding_id, author_id, body) VALUES ($1, $2, $3, 'looking')",
                      tenant.organization, finding, tenant.user),
            Statement("""
                INSERT INTO public.device_authorizations (id, user_id, device_code_hash, verification_code_mac, expires_at)
                VALUES ($1, $2, $3, $4, now() + interval '10 minutes')
                """, device, tenant.user, hash(), hash()),
            Statement("""
                INSERT INTO public.cli_sessions (id, user_id, device_authorization_id, idle_expires_at, expires_at)
                VALUES ($1, $2, $3, now() + interval '30 days', now() + interval '90 days')
                """, session, tenant.user, device),
            Statement("INSERT INTO public.refresh_tokens (session_id, user_id, token_hash) VALUES ($1, $2, $3)", session, tenant.user, hash()),
            Statement("""
                INSERT INTO public.provider_tokens (user_id, provider, access_token_ciphertext, key_version) VALUES ($1, 'github', $2, 1)
                """, tenant.user, hash()),
            Statement("""
                INSERT INTO public.terraform_runs (id, organization_id, cloud_identity_id, stack, command, source, requested_by)
                VALUES ($1, $2, $3, 'default', 'apply', '{"kind":"files"}', $4)
                """, run, tenant.organization, identity, tenant.user),
            Statement("INSERT INTO public.terraform_run_logs (run_id, organization_id, seq, text) VALUES ($1, $2, 0, 'Apply complete!')", run, tenant.organization),
            Statement("""
                INSERT INTO public.terraform_states (organization_id, stack, state_ciphertext, key_version) VALUES ($1, 'default', $2, 1)
                """, tenant.organization, hash()),
            Statement("""
                INSERT INTO public.audit_events (organization_id, user_id, actor, action, cloud_identity_id)
                VALUES ($1, $2, 'system:test', 'credentials.issued', $3)
                """, tenant.organization, tenant.user, identity),
        ])
    }

    struct Table {
        let name: String
        let tenantColumn: String
        let insertableColumns: [String]
    }

    /// Every ordinary table in `public`, with the column that says whose row it is.
    static func appTables(_ test: TestDatabase) async throws -> [Table] {
        let result = try await test.service.query("""
            SELECT c.relname AS name,
                   array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attidentity = '' AND a.attgenerated = '') AS columns
            FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
            GROUP BY c.relname ORDER BY c.relname
            """)
        return try result.rows.map { row throws -> Table in
            let name: String = try row["name"]
            let columns: [String] = try row["columns"]
            let tenantColumn = columns.contains("organization_id") ? "organization_id"
                : columns.contains("user_id") ? "user_id" : name == "organizations" ? "id" : ""
            return Table(name: name, tenantColumn: tenantColumn, insertableColumns: columns)
        }
    }

    @Test func everyAppTableIsIsolatedByRowLevelSecurity() async throws {
        let test = try await TestDatabase()
        let userA = try await test.makeUser(), userB = try await test.makeUser()
        let a = Tenant(user: userA, organization: try await test.makeOrganization(owner: userA))
        let b = Tenant(user: userB, organization: try await test.makeOrganization(owner: userB))
        try await Self.seedEveryTable(a, test)
        try await Self.seedEveryTable(b, test)
        let sessionA = try await test.session(for: userA)
        let anonymous = test.database.anonymousSession()

        let tables = try await Self.appTables(test)
        #expect(tables.count >= 13)
        for table in tables {
            let name = table.name
            #expect(!table.tenantColumn.isEmpty, "\(name) has no organization_id or user_id column")
            guard !table.tenantColumn.isEmpty else { continue }
            let column = table.tenantColumn
            let bValue = column == "user_id" ? b.user : b.organization
            let aValue = column == "user_id" ? a.user : a.organization

            let flags = try #require(try await test.service.query(
                "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = ('public.' || quote_ident($1))::regclass", name).first)
            #expect(try flags["relrowsecurity"] as Bool, "\(name): RLS is not enabled")
            #expect(try flags["relforcerowsecurity"] as Bool, "\(name): RLS is not forced")

            let bRows = try await count(test.service, "SELECT count(*) FROM public.\(name) WHERE \(column) = $1", bValue)
            #expect(bRows > 0, "\(name): seedEveryTable wrote no row for it; add one so the matrix covers it")

            // A member of A sees nothing of B, nor anything outside A.
            #expect(try await count(sessionA, "SELECT count(*) FROM public.\(name) WHERE \(column) = $1", bValue) == 0, "\(name): A reads B's rows")
            #expect(try await count(sessionA, "SELECT count(*) FROM public.\(name) WHERE \(column) IS DISTINCT FROM $1 AND \(column) IS NOT NULL", aValue) == 0,
                    "\(name): A reads rows outside its workspace")

            // A cannot write B's rows: inserting one is refused, updating or deleting them touches nothing.
            let copy = try #require(try await test.service.query(
                "SELECT to_jsonb(t) AS row FROM public.\(name) t WHERE \(column) = $1 LIMIT 1", bValue).first)
            var row = try JSONSerialization.jsonObject(with: Data((try copy["row"] as JSONText).text.utf8)) as! [String: Any]
            if row["id"] is String { row["id"] = UUID().uuidString.lowercased() }
            let json = String(decoding: try JSONSerialization.data(withJSONObject: row), as: UTF8.self)
            let columns = table.insertableColumns.map { "\"\($0)\"" }.joined(separator: ", ")
            switch await outcome({ () async throws(DatabaseError) in
                try await sessionA.query(
                    "INSERT INTO public.\(name) (\(columns)) SELECT \(columns) FROM jsonb_populate_record(NULL::public.\(name), $1::jsonb)", JSONText(json))
            }) {
            case .success: Issue.record("\(name): A inserted a row for B")
            case .failure(.forbidden): break
            case .failure(let error): Issue.record("\(name): insert refused, but not by RLS: \(error)")
            }
            for statement in ["UPDATE public.\(name) SET \(column) = \(column) WHERE \(column) = $1", "DELETE FROM public.\(name) WHERE \(column) = $1"] {
                switch await outcome({ () async throws(DatabaseError) in try await sessionA.query(statement, bValue) }) {
                case .success(let result): #expect(result.affectedRows == 0, "\(name): \(statement.prefix(6)) reached B's rows")
                case .failure(.forbidden): break
                case .failure(let error): Issue.record("\(name): \(error)")
                }
            }
            #expect(try await count(test.service, "SELECT count(*) FROM public.\(name) WHERE \(column) = $1", bValue) == bRows, "\(name): B's rows changed")

            // anon reads nothing at all; the service role sees everything.
            switch await outcome({ () async throws(DatabaseError) in try await anonymous.query("SELECT count(*) FROM public.\(name)") }) {
            case .success(let result): #expect(try result.first?["count"] as Int? == 0, "\(name): anon reads rows")
            case .failure(.forbidden): break
            case .failure(let error): Issue.record("\(name): anon: \(error)")
            }
            #expect(try await count(test.service, "SELECT count(*) FROM public.\(name) WHERE \(column) IN ($1, $2)", aValue, bValue) >= 2)
        }
    }
}

func count(_ session: UserSession, _ sql: String, _ parameters: (any PostgresEncodable)?...) async throws -> Int {
    try await session.batch([Statement(sql, parameters: parameters)])[0].first?["count"] ?? -1
}

func count(_ session: ServiceSession, _ sql: String, _ parameters: (any PostgresEncodable)?...) async throws -> Int {
    try await session.batch([Statement(sql, parameters: parameters)])[0].first?["count"] ?? -1
}

func outcome(_ body: () async throws(DatabaseError) -> QueryResult) async -> Result<QueryResult, DatabaseError> {
    do { return .success(try await body()) } catch { return .failure(error) }
}
