/// CloudTrail: a multi-region trail that is logging, log-file validation, KMS encryption.
enum CloudTrailChecks {
    static let trail = "AWS::CloudTrail::Trail"

    static let all: [Check] = [
        Check(id: "cloudtrail_multi_region_logging_enabled", title: "A multi-region trail is logging", severity: .high, resourceType: "AWS::CloudTrail::Account",
              remediation: "Create a trail that applies to all regions and make sure it is logging.",
              referenceURL: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/receive-cloudtrail-log-files-from-multiple-regions.html") { account in
            let trails = account.attributes["trails"].array
            let logging = trails.first { $0["multiRegion"].bool == true && $0["logging"].bool == true }
            guard let logging else {
                return .fail(trails.isEmpty ? "The account has no trail." : "No multi-region trail is logging.")
            }
            return .pass("Trail \(logging["name"].string ?? "") logs every region.")
        },
        Check(id: "cloudtrail_log_file_validation_enabled", title: "Trails validate their log files", severity: .medium, resourceType: trail,
              remediation: "Enable log file validation on the trail.",
              referenceURL: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-enabling.html") { trail in
            let name = trail.attributes["name"].string ?? trail.arn
            return .failing(trail.attributes["logFileValidation"].bool != true, "Trail \(name) does not validate its log files.", else: "Trail \(name) validates its log files.")
        },
        Check(id: "cloudtrail_kms_encryption_enabled", title: "Trails are encrypted with KMS", severity: .medium, resourceType: trail,
              remediation: "Configure the trail to encrypt its logs with a customer managed KMS key (SSE-KMS).",
              referenceURL: "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/encrypting-cloudtrail-log-files-with-aws-kms.html") { trail in
            let name = trail.attributes["name"].string ?? trail.arn
            return .failing(trail.attributes["kmsKeyId"].string == nil, "Trail \(name) is not encrypted with KMS.", else: "Trail \(name) is encrypted with KMS.")
        },
    ]
}
