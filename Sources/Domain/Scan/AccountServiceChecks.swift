/// Region-wide services: KMS key rotation, GuardDuty, the Config recorder.
enum AccountServiceChecks {
    static let all: [Check] = [
        Check(id: "kms_cmk_rotation_enabled", title: "Customer managed KMS keys rotate", severity: .medium, resourceType: "AWS::KMS::Key",
              remediation: "Enable automatic key rotation for the key.",
              referenceURL: "https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html") { key in
            // AWS-managed, asymmetric and disabled keys cannot (or need not) rotate.
            guard key.attributes["manager"].string == "CUSTOMER", key.attributes["spec"].string == "SYMMETRIC_DEFAULT",
                  key.attributes["state"].string == "Enabled" else { return nil }
            let id = key.attributes["keyId"].string ?? key.arn
            return .failing(key.attributes["rotation"].bool != true, "KMS key \(id) does not rotate.", else: "KMS key \(id) rotates automatically.")
        },
        Check(id: "guardduty_is_enabled", title: "GuardDuty is enabled", severity: .medium, resourceType: "AWS::GuardDuty::Detector",
              remediation: "Enable GuardDuty in the region (ideally for the whole organization).",
              referenceURL: "https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_settingup.html") { detector in
            .failing(detector.attributes["status"].string != "ENABLED", "GuardDuty is not enabled in \(detector.region).", else: "GuardDuty is enabled in \(detector.region).")
        },
        Check(id: "config_recorder_all_regions_enabled", title: "AWS Config records in every region", severity: .medium, resourceType: "AWS::Config::ConfigurationRecorder",
              remediation: "Create and start a configuration recorder in the region.",
              referenceURL: "https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html") { recorder in
            .failing(recorder.attributes["recording"].bool != true, "No AWS Config recorder is recording in \(recorder.region).",
                     else: "AWS Config is recording in \(recorder.region).")
        },
    ]
}
