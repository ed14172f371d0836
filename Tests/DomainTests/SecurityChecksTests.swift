import Domain
import Testing

/// Every check judged on resources shaped as the collectors record them: one that must fail and
/// one that must pass (or be left alone).
@Suite struct SecurityChecksTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let check: String
        let type: String
        let failing: AttributeValue
        let passing: AttributeValue?
        var testDescription: String { check }
    }

    static let publicPolicy: AttributeValue = ["Statement": [["Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"]]]
    static let tlsOnly: AttributeValue = ["Statement": [["Effect": "Deny", "Principal": "*", "Action": "s3:*", "Condition": ["Bool": ["aws:SecureTransport": "false"]]]]]
    static let openSSH: AttributeValue = ["groupName": "web", "ingress": [["protocol": "tcp", "fromPort": 22, "toPort": 22, "cidrs": ["0.0.0.0/0"]]]]
    static let closed: AttributeValue = ["groupName": "web", "ingress": [["protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrs": ["10.0.0.0/8"]]]]

    static let cases: [Case] = [
        Case(check: "s3_bucket_public_access", type: "AWS::S3::Bucket", failing: ["name": "b", "policy": publicPolicy],
             passing: ["name": "b", "policy": publicPolicy, "accountPublicAccessBlock": ["RestrictPublicBuckets": true]]),
        Case(check: "s3_account_level_public_access_blocks", type: "AWS::S3::AccountPublicAccessBlock", failing: ["BlockPublicAcls": true],
             passing: ["BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": true, "RestrictPublicBuckets": true]),
        Case(check: "s3_bucket_default_encryption", type: "AWS::S3::Bucket", failing: ["name": "b"], passing: ["name": "b", "encryption": "AES256"]),
        Case(check: "s3_bucket_secure_transport_policy", type: "AWS::S3::Bucket", failing: ["name": "b"], passing: ["name": "b", "policy": tlsOnly]),
        Case(check: "s3_bucket_object_versioning", type: "AWS::S3::Bucket", failing: ["versioning": "Suspended"], passing: ["versioning": "Enabled"]),
        Case(check: "iam_root_mfa_enabled", type: "AWS::IAM::AccountSummary", failing: ["AccountMFAEnabled": 0], passing: ["AccountMFAEnabled": 1]),
        Case(check: "iam_no_root_access_key", type: "AWS::IAM::AccountSummary", failing: ["AccountAccessKeysPresent": 1], passing: ["AccountAccessKeysPresent": 0]),
        Case(check: "iam_password_policy_minimum_length_14", type: "AWS::IAM::PasswordPolicy", failing: ["exists": false],
             passing: ["exists": true, "MinimumPasswordLength": 14]),
        Case(check: "iam_password_policy_reuse_24", type: "AWS::IAM::PasswordPolicy", failing: ["exists": true, "PasswordReusePrevention": 5],
             passing: ["exists": true, "PasswordReusePrevention": 24]),
        Case(check: "iam_user_mfa_enabled_console_access", type: "AWS::IAM::User", failing: ["consoleAccess": true, "mfaDevices": 0],
             passing: ["consoleAccess": true, "mfaDevices": 1]),
        Case(check: "iam_rotate_access_key_90_days", type: "AWS::IAM::User", failing: ["accessKeys": [["active": true, "ageDays": 120, "lastUsedDaysAgo": 1]]],
             passing: ["accessKeys": [["active": true, "ageDays": 10], ["active": false, "ageDays": 400]]]),
        Case(check: "iam_user_accesskey_unused", type: "AWS::IAM::User", failing: ["accessKeys": [["active": true, "ageDays": 60]]],
             passing: ["accessKeys": [["active": true, "ageDays": 60, "lastUsedDaysAgo": 3]]]),
        Case(check: "iam_customer_attached_policy_no_administrative_privileges", type: "AWS::IAM::Policy",
             failing: ["attachmentCount": 1, "document": ["Statement": ["Effect": "Allow", "Action": "*", "Resource": "*"]]],
             passing: ["attachmentCount": 1, "document": ["Statement": [["Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"]]]]),
        Case(check: "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22", type: "AWS::EC2::SecurityGroup", failing: openSSH, passing: closed),
        Case(check: "ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_3389", type: "AWS::EC2::SecurityGroup",
             failing: ["ingress": [["protocol": "tcp", "fromPort": 3000, "toPort": 4000, "ipv6Cidrs": ["::/0"]]]], passing: openSSH),
        Case(check: "ec2_securitygroup_allow_ingress_from_internet_to_all_ports", type: "AWS::EC2::SecurityGroup",
             failing: ["ingress": [["protocol": "-1", "cidrs": ["0.0.0.0/0"]]]], passing: openSSH),
        Case(check: "ec2_securitygroup_default_restrict_traffic", type: "AWS::EC2::SecurityGroup",
             failing: ["groupName": "default", "egress": [["protocol": "-1", "cidrs": ["0.0.0.0/0"]]]], passing: ["groupName": "default"]),
        Case(check: "ec2_ebs_default_encryption", type: "AWS::EC2::EBSEncryptionByDefault", failing: ["enabled": false], passing: ["enabled": true]),
        Case(check: "ec2_ebs_volume_encryption", type: "AWS::EC2::Volume", failing: ["encrypted": false], passing: ["encrypted": true]),
        Case(check: "ec2_ebs_public_snapshot", type: "AWS::EC2::Snapshot", failing: ["public": true], passing: ["public": false]),
        Case(check: "ec2_instance_imdsv2_enabled", type: "AWS::EC2::Instance", failing: ["httpTokens": "optional"], passing: ["httpTokens": "required"]),
        Case(check: "ec2_instance_public_ip", type: "AWS::EC2::Instance", failing: ["publicIp": "203.0.113.7"], passing: [:]),
        Case(check: "vpc_flow_logs_enabled", type: "AWS::EC2::VPC", failing: ["flowLogs": 0], passing: ["flowLogs": 1]),
        Case(check: "cloudtrail_multi_region_logging_enabled", type: "AWS::CloudTrail::Account",
             failing: ["trails": [["name": "t", "multiRegion": true, "logging": false]]], passing: ["trails": [["name": "t", "multiRegion": true, "logging": true]]]),
        Case(check: "cloudtrail_log_file_validation_enabled", type: "AWS::CloudTrail::Trail", failing: ["logFileValidation": false], passing: ["logFileValidation": true]),
        Case(check: "cloudtrail_kms_encryption_enabled", type: "AWS::CloudTrail::Trail", failing: [:], passing: ["kmsKeyId": "arn:aws:kms:us-east-1:1:key/k"]),
        Case(check: "rds_instance_no_public_access", type: "AWS::RDS::DBInstance", failing: ["publiclyAccessible": true], passing: ["publiclyAccessible": false]),
        Case(check: "rds_instance_storage_encrypted", type: "AWS::RDS::DBInstance", failing: ["storageEncrypted": false], passing: ["storageEncrypted": true]),
        Case(check: "rds_snapshots_public_access", type: "AWS::RDS::DBSnapshot", failing: ["public": true], passing: ["public": false]),
        Case(check: "kms_cmk_rotation_enabled", type: "AWS::KMS::Key",
             failing: ["manager": "CUSTOMER", "spec": "SYMMETRIC_DEFAULT", "state": "Enabled", "rotation": false],
             passing: ["manager": "CUSTOMER", "spec": "SYMMETRIC_DEFAULT", "state": "Enabled", "rotation": true]),
        Case(check: "guardduty_is_enabled", type: "AWS::GuardDuty::Detector", failing: [:], passing: ["status": "ENABLED"]),
        Case(check: "config_recorder_all_regions_enabled", type: "AWS::Config::ConfigurationRecorder", failing: ["recording": false], passing: ["recording": true]),
    ]

    func resource(_ type: String, _ attributes: AttributeValue) -> CloudResource {
        CloudResource(arn: "arn:aws:test:us-east-1:123456789012:thing/1", type: type, service: "test", region: "us-east-1", attributes: attributes)
    }

    @Test(arguments: cases)
    func eachCheckFailsAndPasses(_ testCase: Case) throws {
        let check = try #require(SecurityChecks.check(testCase.check))
        let failing = try #require(check.judge(resource(testCase.type, testCase.failing)))
        #expect(failing.status == .fail)
        #expect(!failing.line.isEmpty)
        if let passing = testCase.passing {
            #expect(check.judge(resource(testCase.type, passing))?.status != .fail)
        }
        #expect(check.judge(resource("AWS::Other::Thing", testCase.failing)) == nil, "a check judges only its resource type")
    }

    @Test func everyCheckIsCoveredHasAProwlerIDAndARemediation() {
        let ids = SecurityChecks.all.map(\.id)
        #expect(ids.count >= 25)
        #expect(Set(ids).count == ids.count)
        #expect(Set(Self.cases.map(\.check)) == Set(ids))
        for check in SecurityChecks.all {
            #expect(check.id.range(of: #"^[a-z0-9]+(_[a-z0-9]+)+$"#, options: .regularExpression) != nil, "\(check.id)")
            #expect(!check.remediation.isEmpty && check.referenceURL.hasPrefix("https://docs.aws.amazon.com/"))
        }
    }

    @Test func checksLeaveAloneWhatTheyDoNotJudge() {
        let awsManagedKey = resource("AWS::KMS::Key", ["manager": "AWS", "spec": "SYMMETRIC_DEFAULT", "state": "Enabled", "rotation": false])
        #expect(SecurityChecks.check("kms_cmk_rotation_enabled")?.judge(awsManagedKey) == nil)
        let apiOnlyUser = resource("AWS::IAM::User", ["consoleAccess": false, "mfaDevices": 0])
        #expect(SecurityChecks.check("iam_user_mfa_enabled_console_access")?.judge(apiOnlyUser) == nil)
        let customGroup = resource("AWS::EC2::SecurityGroup", ["groupName": "web", "egress": [["protocol": "-1"]]])
        #expect(SecurityChecks.check("ec2_securitygroup_default_restrict_traffic")?.judge(customGroup) == nil)
    }

    @Test func evaluationJudgesEachResourceByItsTypesChecks() {
        let findings = SecurityChecks.evaluate([
            resource("AWS::EC2::SecurityGroup", Self.openSSH),
            resource("AWS::EC2::Volume", ["encrypted": true]),
        ])
        #expect(findings.filter { $0.verdict.status == .fail }.map(\.checkID) == ["ec2_securitygroup_allow_ingress_from_internet_to_tcp_port_22"])
        #expect(findings.count == 4, "three security-group verdicts (the default-group check stays silent) and one volume verdict")
    }
}

/// Numbers in a cloud's answer are input too: none can trap a check.
@Suite struct HostileAttributeTests {
    @Test func hugeOrFractionalNumbersDoNotTrapTheChecks() {
        for value in [1e300, -1e300, 9.3e18, 14.5, Double.nan, Double.infinity] {
            let policy = CloudResource(arn: "arn:aws:iam::123456789012:account-password-policy", type: "AWS::IAM::PasswordPolicy", service: "iam", region: "global",
                                       attributes: ["exists": true, "MinimumPasswordLength": .number(value), "PasswordReusePrevention": .number(value)])
            let verdicts = SecurityChecks.evaluate([policy])
            #expect(!verdicts.isEmpty, "\(value)")
        }
    }
}
