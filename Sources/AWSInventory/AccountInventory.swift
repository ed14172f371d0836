import AWSAPI
import Cloud
import Domain
import FoundationEssentials
import Runtime

/// Everything the checks need from one AWS account: each service in each enabled region collected
/// concurrently, all requests through one limiter. A service that fails is reported with its
/// error and the rest is kept.
public struct AccountInventory: Sendable {
    /// What a collection found, and which parts of the account it could not read.
    public struct Result: Sendable {
        public var resources: [CloudResource] = []
        /// `"rds:eu-west-1": "AccessDenied: ..."`, `"iam": "..."`.
        public var serviceErrors: [String: String] = [:]
        /// The `service` / `region` pairs read completely (`region` nil: every region of a global service).
        public var completed: [(service: String, region: String?)] = []

        public init(resources: [CloudResource] = [], serviceErrors: [String: String] = [:]) {
            self.resources = resources
            self.serviceErrors = serviceErrors
        }
    }

    let session: AWSSession
    let regions: [String]?

    /// `credentials` is asked again for every service and region, so a source that re-assumes
    /// the role before expiry keeps a long scan going. `regions` nil: every region the account
    /// has enabled (EC2 DescribeRegions).
    public init(account: String, regions: [String]?, maximumRequestsInFlight: Int = 16, environment: Environment = Environment(),
                credentials: @escaping @Sendable () async throws -> AWSCredentials) {
        session = AWSSession(credentials: credentials, limiter: RequestLimiter(limit: maximumRequestsInFlight), environment: environment, account: account)
        self.regions = regions
    }

    typealias Collector = @Sendable (AWSSession, String) async throws -> [CloudResource]

    static let global: [(String, Collector)] = [("iam", IAMCollector.collect), ("s3", S3Collector.collect)]
    static let regional: [(String, Collector)] = [
        ("ec2", EC2Collector.collect), ("rds", RDSCollector.collect), ("kms", KMSCollector.collect),
        ("cloudtrail", CloudTrailCollector.collect), ("guardduty", GuardDutyCollector.collect), ("config", ConfigCollector.collect),
    ]

    public func collect(home: String = "us-east-1") async throws -> Result {
        let regions: [String]
        if let chosen = self.regions { regions = chosen } else { regions = try await enabledRegions(home: home) }
        var units: [(service: String, region: String?, collect: Collector, at: String)] = Self.global.map { ($0.0, nil, $0.1, home) }
        for region in regions {
            units += Self.regional.map { ($0.0, region, $0.1, region) }
        }
        let session = self.session
        return await withTaskGroup(of: UnitOutcome.self) { group in
            for unit in units {
                group.addTask {
                    do { return UnitOutcome(service: unit.service, region: unit.region, resources: try await unit.collect(session, unit.at), error: nil) }
                    catch { return UnitOutcome(service: unit.service, region: unit.region, resources: [], error: "\(error)") }
                }
            }
            var result = Result()
            for await unit in group {
                if let error = unit.error {
                    result.serviceErrors[unit.region.map { "\(unit.service):\($0)" } ?? unit.service] = error
                } else {
                    result.resources += unit.resources
                    result.completed.append((unit.service, unit.region))
                }
            }
            return result
        }
    }

    /// What one service (in one region) gave: its resources, or why it failed. A struct, not a
    /// tuple: release builds crashed copying tuple results of task groups (Swift 6.3.1).
    struct UnitOutcome: Sendable {
        let service: String
        let region: String?
        let resources: [CloudResource]
        let error: String?
    }

    func enabledRegions(home: String) async throws -> [String] {
        let ec2 = try await session.query("ec2", version: "2016-11-15", region: home)
        return try await ec2.call("DescribeRegions").path("regionInfo", "item").compactMap { $0["regionName"] }.sorted()
    }
}
