import AWSAPI
import Domain

/// KMS in one region: every key with its manager, spec, state and (customer keys) rotation.
enum KMSCollector {
    struct Keys: Decodable, Sendable {
        struct Key: Decodable, Sendable { let KeyId: String; let KeyArn: String }
        let Keys: [Key]
        let NextMarker: String?
        let Truncated: Bool?
    }
    struct KeyRequest: Encodable, Sendable { let KeyId: String }
    struct Page: Encodable, Sendable { let Marker: String? }
    struct Description: Decodable, Sendable {
        struct Metadata: Decodable, Sendable { let KeyManager: String?; let KeySpec: String?; let KeyState: String? }
        let KeyMetadata: Metadata
    }
    struct Rotation: Decodable, Sendable { let KeyRotationEnabled: Bool }

    static func collect(_ session: AWSSession, _ region: String) async throws -> [CloudResource] {
        let kms = try await session.json("kms", target: "TrentService", region: region)
        var keys: [Keys.Key] = []
        var marker: String?
        repeat {
            let page = try await kms.call("ListKeys", Page(Marker: marker), as: Keys.self)
            keys += page.Keys
            marker = page.Truncated == true ? page.NextMarker : nil
        } while marker != nil
        return try await keys.concurrentMap { key in
            let metadata = try await kms.call("DescribeKey", KeyRequest(KeyId: key.KeyId), as: Description.self).KeyMetadata
            var rotation = AttributeValue.null
            if metadata.KeyManager == "CUSTOMER", metadata.KeySpec == "SYMMETRIC_DEFAULT", metadata.KeyState == "Enabled" {
                rotation = .bool(try await kms.call("GetKeyRotationStatus", KeyRequest(KeyId: key.KeyId), as: Rotation.self).KeyRotationEnabled)
            }
            return CloudResource(arn: key.KeyArn, type: "AWS::KMS::Key", service: "kms", region: region, attributes: [
                "keyId": .string(key.KeyId), "manager": .string(metadata.KeyManager ?? ""), "spec": .string(metadata.KeySpec ?? ""),
                "state": .string(metadata.KeyState ?? ""), "rotation": rotation,
            ])
        }
    }
}

/// CloudTrail seen from one region: the trails it reports (multi-region trails from every region,
/// so each is recorded where it lives) and the account-wide summary the multi-region check reads.
enum CloudTrailCollector {
    struct Trails: Decodable, Sendable {
        struct Trail: Decodable, Sendable {
            let Name: String; let TrailARN: String; let HomeRegion: String?
            let IsMultiRegionTrail: Bool?; let LogFileValidationEnabled: Bool?; let KmsKeyId: String?
        }
        let trailList: [Trail]
    }
    struct Status: Decodable, Sendable { let IsLogging: Bool? }
    struct Name: Encodable, Sendable { let Name: String }

    static func collect(_ session: AWSSession, _ region: String) async throws -> [CloudResource] {
        let cloudTrail = try await session.json("cloudtrail", target: "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101", region: region)
        let trails = try await cloudTrail.call("DescribeTrails", as: Trails.self).trailList
        var summary: [AttributeValue] = []
        var resources: [CloudResource] = []
        for trail in trails {
            let logging = try await cloudTrail.call("GetTrailStatus", Name(Name: trail.TrailARN), as: Status.self).IsLogging ?? false
            summary.append(["name": .string(trail.Name), "multiRegion": .bool(trail.IsMultiRegionTrail ?? false), "logging": .bool(logging)])
            guard (trail.HomeRegion ?? region) == region else { continue }
            resources.append(CloudResource(arn: trail.TrailARN, type: "AWS::CloudTrail::Trail", service: "cloudtrail", region: region, attributes: [
                "name": .string(trail.Name), "logFileValidation": .bool(trail.LogFileValidationEnabled ?? false),
                "kmsKeyId": trail.KmsKeyId.map(AttributeValue.string) ?? .null,
            ]))
        }
        resources.append(CloudResource(arn: "arn:aws:cloudtrail:\(region):\(session.account):trails", type: "AWS::CloudTrail::Account",
                                       service: "cloudtrail", region: region, attributes: ["trails": .array(summary)]))
        return resources
    }
}

/// GuardDuty in one region: whether a detector is enabled.
enum GuardDutyCollector {
    struct Detectors: Decodable, Sendable { let detectorIds: [String] }
    struct Detector: Decodable, Sendable { let status: String? }

    static func collect(_ session: AWSSession, _ region: String) async throws -> [CloudResource] {
        let guardDuty = try await session.restJSON("guardduty", region: region)
        let limiter = session.limiter
        let ids = try await limiter.run { try await guardDuty.get("/detector", as: Detectors.self) }.detectorIds
        var status = "NOT_ENABLED"
        for id in ids where try await limiter.run({ try await guardDuty.get("/detector/\(id)", as: Detector.self) }).status == "ENABLED" {
            status = "ENABLED"
        }
        return [CloudResource(arn: "arn:aws:guardduty:\(region):\(session.account):detector", type: "AWS::GuardDuty::Detector", service: "guardduty",
                              region: region, attributes: ["detectors": .number(Double(ids.count)), "status": .string(status)])]
    }
}

/// AWS Config in one region: whether a configuration recorder is recording.
enum ConfigCollector {
    struct Statuses: Decodable, Sendable {
        struct Status: Decodable, Sendable { let name: String?; let recording: Bool? }
        let ConfigurationRecordersStatus: [Status]
    }

    static func collect(_ session: AWSSession, _ region: String) async throws -> [CloudResource] {
        let config = try await session.json("config", target: "StarlingDoveService", region: region)
        let statuses = try await config.call("DescribeConfigurationRecorderStatus", as: Statuses.self).ConfigurationRecordersStatus
        return [CloudResource(arn: "arn:aws:config:\(region):\(session.account):configuration-recorder", type: "AWS::Config::ConfigurationRecorder",
                              service: "config", region: region, attributes: [
                                "recorders": .number(Double(statuses.count)), "recording": .bool(statuses.contains { $0.recording == true }),
                              ])]
    }
}
