@testable import AWSAPI
import AWSTestSupport
import Cloud
import Foundation
import Runtime
import Testing
@_spi(Privileged) import Database

/// `run-scan` through the gateway's Invoke API, against moto with IAM authorization on: a
/// customer account seeded with resources that fail and pass each check.
@Suite(.serialized) final class RunScanTests: @unchecked Sendable {
    static let regions = ScanWorkspace.regions
    let gateway: GatewayProcess
    let owner: Database
    let account: CustomerAccount

    init() throws {
        gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8), environment: ["SCAN_REGIONS": Self.regions, "SCAN_CANCELLATION_CHECK_MILLISECONDS": "300"])
        owner = try Database(url: try #require(ProcessInfo.processInfo.environment["MIGRATION_DATABASE_URL"]), applicationName: "run-scan-tests")
        account = try CustomerAccount()
    }

    func sql(_ text: String, _ parameters: (any PostgresEncodable)?...) async throws -> [Row] {
        try await owner.runAsConnectedRole([Statement(text, parameters: parameters)])[0].rows
    }

    func connectedIdentity() async throws -> (organization: UUID, identity: UUID, role: String, admin: String) {
        let workspace = try await ScanWorkspace(gateway: gateway, owner: owner, account: account)
        return (workspace.organization, workspace.identity, workspace.role, workspace.admin.token)
    }

    func queueScan(_ organization: UUID, _ identity: UUID) async throws -> UUID {
        try #require(try await sql("INSERT INTO public.scans (organization_id, cloud_identity_id, trigger) VALUES ($1, $2, 'schedule') RETURNING id",
                                   organization, identity).first?["id"])
    }

    func runScan(_ scan: UUID) throws -> [String: Any] {
        let response = try gateway.invoke("run-scan", #"{"scan_id":"\#(scan.uuidString)"}"#)
        #expect(response.status == 200, "\(String(decoding: response.body, as: UTF8.self))")
        return (try jsonObject(response.body)["results"] as? [[String: Any]])?.first ?? [:]
    }

    func scanRow(_ scan: UUID) async throws -> Row {
        try #require(try await sql("SELECT status, service_errors::text AS errors, resource_count, failed_finding_count, error FROM public.scans WHERE id = $1", scan).first)
    }

    func verdicts(_ identity: UUID) async throws -> [String: String] {
        var verdicts: [String: String] = [:]
        for row in try await sql("SELECT check_id, resource_arn, status, state FROM public.findings WHERE cloud_identity_id = $1", identity) {
            verdicts["\(try row["check_id"] as String) \(try row["resource_arn"] as String)"] = "\(try row["status"] as String)/\(try row["state"] as String)"
        }
        return verdicts
    }

    func seed(_ tag: String) throws -> [String: Any] {
        let result = try runProgram("/usr/bin/env", arguments: ["python3", "Tests/Support/aws-seed/seed-account.py", tag], environment: ["SCAN_REGIONS": Self.regions, "SCAN_CANCELLATION_CHECK_MILLISECONDS": "300"])
        #expect(result.status == 0, "\(result.standardError)")
        return try jsonObject(result.standardOutput)
    }

    @Test func aSeededAccountGetsTheExpectedVerdictsOnceAndTheirLifecycleAcrossScans() async throws {
        let tag = String(UUID().uuidString.prefix(6).lowercased())
        let made = try seed(tag)
        let connected = try await connectedIdentity()
        let scan = try await queueScan(connected.organization, connected.identity)

        let outcome = try runScan(scan)
        #expect(outcome["outcome"] as? String == "finished")
        let row = try await scanRow(scan)
        let errors: String = try row["errors"]
        #expect(try row["status"] as String == "succeeded", "\(errors)")
        let found = try await verdicts(connected.identity)

        func expect(_ check: String, _ arn: String?, _ verdict: String, sourceLocation: SourceLocation = #_sourceLocation) {
            guard let arn else { Issue.record("no ARN for \(check)", sourceLocation: sourceLocation); return }
            #expect(found["\(check) \(arn)"]?.hasPrefix(verdict) == true, "\(check) on \(arn): \(found["\(check) \(arn)"] ?? "no verdict")", sourceLocation: sourceLocation)
        }
        let buckets = made["buckets"] as! [String: String], users = made["users"] as! [String: String], policies = made["policies"] as! [String: String]
        expect("s3_bucket_public_access", buckets["public"], "FAIL"); expect("s3_bucket_public_access", buckets["private"], "PASS")
        expect("s3_bucket_default_encryption", buckets["private"], "PASS")
        expect("s3_bucket_secure_transport_policy", buckets["public"], "FAIL"); expect("s3_bucket_secure_transport_policy", buckets["private"], "PASS")
        expect("s3_bucket_object_versioning", buckets["public"], "FAIL"); expect("s3_bucket_object_versioning", buckets["private"], "PASS")
        expect("s3_account_level_public_access_blocks", "arn:aws:s3:us-east-1:123456789012:account", "FAIL")
        expect("iam_user_mfa_enabled_console_access", users["console"], "FAIL")
        expect("iam_user_accesskey_unused", users["keys"], "PASS"); expect("iam_rotate_access_key_90_days", users["keys"], "PASS")
        expect("iam_customer_attached_policy_no_administrative_privileges", policies["admin"], "FAIL")
        expect("iam_customer_attached_policy_no_administrative_privileges", policies["narrow"], "PASS")
        expect("iam_password_policy_minimum_length_14", "arn:aws:iam::123456789012:password-policy", "FAIL")
        expect("iam_password_policy_reuse_24", "arn:aws:iam::123456789012:password-policy", "FAIL")
        expect("iam_root_mfa_enabled", "arn:aws:iam::123456789012:root", "FAIL")
        expect("cloudtrail_multi_region_logging_enabled", "arn:aws:cloudtrail:us-east-1:123456789012:trails", "PASS")
        let trail = (made["trails"] as! [String: String])["main"]
        expect("cloudtrail_log_file_validation_enabled", trail, "FAIL"); expect("cloudtrail_kms_encryption_enabled", trail, "FAIL")
        expect("config_recorder_all_regions_enabled", "arn:aws:config:us-east-1:123456789012:configuration-recorder", "FAIL")
        expect("guardduty_is_enabled", "arn:aws:guardduty:us-east-1:123456789012:detector", "FAIL")
        expect("guardduty_is_enabled", "arn:aws:guardduty:eu-west-1:123456789012:detector", "PASS")
        for region in Self.regions.split(separator: ",").map(String.init) {
            let ec2 = "arn:aws:ec2:\(region):123456789012"
            let groups = (made["groups"] as! [String: [String: String]])[region]!
            expect("ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22", "\(ec2):security-group/\(groups["ssh"]!)", "FAIL")
            expect("ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22", "\(ec2):security-group/\(groups["web"]!)", "PASS")
            expect("ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389", "\(ec2):security-group/\(groups["rdp"]!)", "FAIL")
            expect("ec2_securitygroup_allow_ingress_from_internet_to_all_ports", "\(ec2):security-group/\(groups["ssh"]!)", "PASS")
            expect("ec2_ebs_default_encryption", "\(ec2):ebs-encryption-by-default", "FAIL")
            let volumes = (made["volumes"] as! [String: [String: String]])[region]!
            expect("ec2_ebs_volume_encryption", "\(ec2):volume/\(volumes["plain"]!)", "FAIL")
            expect("ec2_ebs_volume_encryption", "\(ec2):volume/\(volumes["sealed"]!)", "PASS")
            let snapshots = (made["snapshots"] as! [String: [String: String]])[region]!
            expect("ec2_ebs_public_snapshot", "\(ec2):snapshot/\(snapshots["public"]!)", "FAIL")
            expect("ec2_ebs_public_snapshot", "\(ec2):snapshot/\(snapshots["private"]!)", "PASS")
            let instances = (made["instances"] as! [String: [String: String]])[region]!
            expect("ec2_instance_imdsv2_enabled", "\(ec2):instance/\(instances["imdsv1"]!)", "FAIL")
            expect("ec2_instance_imdsv2_enabled", "\(ec2):instance/\(instances["imdsv2"]!)", "PASS")
            expect("vpc_flow_logs_enabled", "\(ec2):vpc/\((made["vpcs"] as! [String: [String: String]])[region]!["logged"]!)", "PASS")
            let databases = (made["databases"] as! [String: [String: String]])[region]!
            expect("rds_instance_no_public_access", databases["exposed"], "FAIL"); expect("rds_instance_no_public_access", databases["sheltered"], "PASS")
            expect("rds_instance_storage_encrypted", databases["exposed"], "FAIL"); expect("rds_instance_storage_encrypted", databases["sheltered"], "PASS")
            expect("rds_snapshots_public_access", (made["db_snapshots"] as! [String: [String: String]])[region]!["public"], "FAIL")
            let keys = (made["keys"] as! [String: [String: String]])[region]!
            expect("kms_cmk_rotation_enabled", keys["unrotated"], "FAIL"); expect("kms_cmk_rotation_enabled", keys["rotated"], "PASS")
        }
        #expect(Set(found.keys.map { String($0.split(separator: " ")[0]) }).count >= 25, "verdicts from at least 25 checks")
        let recommendation = try await sql(
            "SELECT affected_resource_count, state, remediation FROM public.recommendations WHERE cloud_identity_id = $1 AND check_id = 'ec2_ebs_volume_encryption'", connected.identity).first
        #expect(try recommendation?["state"] as String? == "open")
        #expect(try (recommendation?["affected_resource_count"] as Int? ?? 0) >= 2)

        // The same event again: nothing runs, nothing doubles.
        let counts = try await sql("SELECT (SELECT count(*) FROM public.findings WHERE cloud_identity_id = $1) AS findings, (SELECT count(*) FROM public.resources WHERE cloud_identity_id = $1) AS resources", connected.identity).first
        #expect(try runScan(scan)["outcome"] as? String == "skipped")
        let again = try await sql("SELECT (SELECT count(*) FROM public.findings WHERE cloud_identity_id = $1) AS findings, (SELECT count(*) FROM public.resources WHERE cloud_identity_id = $1) AS resources", connected.identity).first
        #expect(try again?["findings"] as Int? == counts?["findings"] as Int?)
        #expect(try again?["resources"] as Int? == counts?["resources"] as Int?)

        // The customer fixes the SSH group and breaks the private bucket's versioning; the next scan
        // resolves the one, opens the other as new, and leaves the unchanged failures' first-seen times.
        let ssh = (made["groups"] as! [String: [String: String]])["us-east-1"]!["ssh"]!
        let sshARN = "arn:aws:ec2:us-east-1:123456789012:security-group/\(ssh)"
        let ec2 = AWSQueryClient(service: "ec2", version: "2016-11-15", region: "us-east-1", credentials: account.administrator)
        _ = try await ec2.call("RevokeSecurityGroupIngress", [("GroupId", ssh), ("IpPermissions.1.IpProtocol", "tcp"), ("IpPermissions.1.FromPort", "22"),
                                                            ("IpPermissions.1.ToPort", "22"), ("IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0")])
        let bucket = String(buckets["private"]!.dropFirst("arn:aws:s3:::".count))
        _ = try await S3Client(region: "us-east-1", credentials: account.administrator).request(
            "PUT", bucket: bucket, query: [("versioning", "")],
            body: Array(#"<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Suspended</Status></VersioningConfiguration>"#.utf8))
        let before = try #require(try await sql("SELECT first_seen_at FROM public.findings WHERE cloud_identity_id = $1 AND check_id = 'iam_root_mfa_enabled'", connected.identity).first)
        let next = try await queueScan(connected.organization, connected.identity)
        #expect(try runScan(next)["status"] as? String == "succeeded")
        let fixed = try #require(try await sql(
            "SELECT status, state, resolved_at IS NOT NULL AS resolved FROM public.findings WHERE cloud_identity_id = $1 AND check_id = 'ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22' AND resource_arn = $2",
            connected.identity, sshARN).first)
        #expect(try fixed["status"] as String == "PASS")
        #expect(try fixed["state"] as String == "resolved")
        #expect(try fixed["resolved"] as Bool)
        let broken = try #require(try await sql(
            "SELECT f.status, f.first_seen_at >= s.started_at AS new FROM public.findings f JOIN public.scans s ON s.id = $3 WHERE f.cloud_identity_id = $1 AND f.check_id = 's3_bucket_object_versioning' AND f.resource_arn = $2",
            connected.identity, buckets["private"]!, next).first)
        #expect(try broken["status"] as String == "FAIL")
        #expect(try broken["new"] as Bool)
        let after = try #require(try await sql("SELECT first_seen_at FROM public.findings WHERE cloud_identity_id = $1 AND check_id = 'iam_root_mfa_enabled'", connected.identity).first)
        #expect(try after["first_seen_at"] as Date == before["first_seen_at"] as Date)
    }

    @Test func aServiceThatFailsMakesThePartialAndTheRestIsKept() async throws {
        let connected = try await connectedIdentity()
        // The customer denies RDS to the platform's role after connecting it.
        _ = try await account.iam.call("PutRolePolicy", [("RoleName", String(connected.role.split(separator: "/").last!)), ("PolicyName", "no-rds"),
            ("PolicyDocument", #"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"rds:*","Resource":"*"}]}"#)])
        let scan = try await queueScan(connected.organization, connected.identity)
        #expect(try runScan(scan)["status"] as? String == "partial")
        let row = try await scanRow(scan)
        let errors = try row["errors"] as String
        #expect(errors.contains("rds:us-east-1") && errors.contains("rds:eu-west-1") && errors.contains("AccessDenied"), "\(errors)")
        #expect(!errors.contains("\"ec2:"), "only RDS failed: \(errors)")
        #expect(try (row["resource_count"] as Int? ?? 0) > 0)
        let services = try await sql("SELECT DISTINCT service FROM public.findings WHERE cloud_identity_id = $1", connected.identity).map { try $0["service"] as String }
        #expect(Set(services).isSuperset(of: ["ec2", "iam", "s3"]))
        #expect(!services.contains("rds"))
    }

    @Test func aRevokedIdentityIsNotScannedAndLosingTheRoleRevokesIt() async throws {
        let connected = try await connectedIdentity()
        try await account.trust(roleARN: connected.role, externalID: "zcp-someone-else")
        let scan = try await queueScan(connected.organization, connected.identity)
        #expect(try runScan(scan)["outcome"] as? String == "abandoned")
        let identity = try #require(try await sql("SELECT status, status_reason FROM public.cloud_identities WHERE id = $1", connected.identity).first)
        #expect(try identity["status"] as String == "revoked")
        #expect(try (identity["status_reason"] as String?)?.contains("AccessDenied") == true)
        #expect(try await scanRow(scan)["status"] as String == "cancelled")
        #expect(try await sql("SELECT 1 FROM public.resources WHERE cloud_identity_id = $1", connected.identity).isEmpty)

        // A scan queued for a revoked identity ends without reaching AWS.
        let later = try await queueScan(connected.organization, connected.identity)
        #expect(try runScan(later)["outcome"] as? String == "abandoned")
        #expect(try await scanRow(later)["status"] as String == "failed")
    }

    /// Revoking the identity while its scan runs stops the scan: no request reaches AWS after the
    /// cancellation is seen, and nothing is written.
    @Test func revokingAnIdentityStopsItsRunningScan() async throws {
        let connected = try await connectedIdentity()
        let scan = try await queueScan(connected.organization, connected.identity)
        let gateway = self.gateway
        let running = Task.detached { try gateway.invoke("run-scan", #"{"scan_id":"\#(scan.uuidString)"}"#) }
        // A loaded machine (CI beside a build) can take a while to start run-scan.
        #expect(try await eventually(seconds: 180) { try await self.scanRow(scan)["status"] as String != "queued" })
        let revoked = try gateway.request("DELETE", "/api/cloud-identities/\(connected.identity)", headers: [("Authorization", "Bearer \(connected.admin)")])
        #expect(revoked.status == 204)
        let response = try await running.value
        let outcome = (try jsonObject(response.body)["results"] as? [[String: Any]])?.first ?? [:]
        #expect(outcome["outcome"] as? String == "abandoned", "\(outcome)")
        #expect(try await scanRow(scan)["status"] as String == "cancelled")
        #expect(try await sql("SELECT 1 FROM public.resources WHERE cloud_identity_id = $1", connected.identity).isEmpty)
    }

    /// The schedule's re-check of the confused-deputy defence: a trust policy loosened after
    /// connecting (no external ID condition any more) stops the identity until it is fixed and connected again.
    @Test func aTrustPolicyLoosenedAfterConnectingStopsTheIdentityUntilItIsReconnected() async throws {
        let connected = try await connectedIdentity()
        try await account.trust(roleARN: connected.role, document: account.unconditionalTrustPolicy)
        let scan = try await queueScan(connected.organization, connected.identity)
        #expect(try runScan(scan)["outcome"] as? String == "abandoned")
        let identity = try #require(try await sql("SELECT status, status_reason FROM public.cloud_identities WHERE id = $1", connected.identity).first)
        #expect(try identity["status"] as String == "misconfigured")
        #expect(try (identity["status_reason"] as String?)?.contains("external ID") == true)
        #expect(try await scanRow(scan)["status"] as String == "cancelled")
        #expect(try await sql("SELECT 1 FROM public.resources WHERE cloud_identity_id = $1", connected.identity).isEmpty)
        #expect(try await sql("SELECT 1 FROM public.audit_events WHERE cloud_identity_id = $1 AND action = 'cloud_identity.misconfigured'", connected.identity).count == 1)

        // Nothing more is done with it: no credentials for anyone.
        let credentials = try gateway.request("POST", "/api/cloud-identities/\(connected.identity)/credentials", headers: [("Authorization", "Bearer \(connected.admin)")])
        #expect(credentials.status == 409)
        #expect(try jsonObject(credentials.body)["error"] as? String == "identity_not_active")

        // Fixed and connected again: the same identity is active.
        try await account.trust(roleARN: connected.role, externalID: try externalID(of: connected.organization).value)
        let again = try connect(gateway, connected.organization, connected.role, bearer: connected.admin)
        #expect(again.status == 201, "\(again.json)")
        #expect(again.json["id"] as? String == connected.identity.uuidString.lowercased() || again.json["id"] as? String == connected.identity.uuidString)
    }
}
