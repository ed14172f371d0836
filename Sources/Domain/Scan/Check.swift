/// A security check, named as Prowler names it (so users can map results), judging every
/// resource of one type.
public struct Check: Sendable {
    public enum Severity: String, Sendable, Comparable, CaseIterable {
        case informational, low, medium, high, critical

        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    public let id: String
    public let title: String
    public let severity: Severity
    public let resourceType: String
    public let remediation: String
    public let referenceURL: String
    let judge: @Sendable (CloudResource) -> Verdict?

    public init(
        id: String, title: String, severity: Severity, resourceType: String, remediation: String, referenceURL: String,
        judge: @escaping @Sendable (CloudResource) -> Verdict?
    ) {
        self.id = id
        self.title = title
        self.severity = severity
        self.resourceType = resourceType
        self.remediation = remediation
        self.referenceURL = referenceURL
        self.judge = judge
    }

    /// The verdict on `resource`, or nil when the check does not apply to it (another type, or a
    /// resource the check is silent about, such as an AWS-managed key for key rotation).
    public func judge(_ resource: CloudResource) -> Verdict? {
        resource.type == resourceType ? judge(resource) : nil
    }
}

/// PASS or FAIL, with the human status line shown next to the resource.
public struct Verdict: Sendable, Equatable {
    public enum Status: String, Sendable { case pass = "PASS", fail = "FAIL" }

    public let status: Status
    public let line: String

    public static func pass(_ line: String) -> Verdict { Verdict(status: .pass, line: line) }
    public static func fail(_ line: String) -> Verdict { Verdict(status: .fail, line: line) }
    public static func failing(_ failing: Bool, _ failLine: String, else passLine: String) -> Verdict {
        failing ? .fail(failLine) : .pass(passLine)
    }
}

/// A check's verdict on one resource: a row of the findings.
public struct Finding: Sendable, Equatable {
    public let checkID: String
    public let severity: Check.Severity
    public let resourceARN: String
    public let service: String
    public let region: String
    public let verdict: Verdict
}

/// Every check the platform runs, and their evaluation over an account's resources.
public enum SecurityChecks {
    public static let all: [Check] = S3Checks.all + IAMChecks.all + EC2Checks.all + CloudTrailChecks.all + RDSChecks.all + AccountServiceChecks.all

    public static func check(_ id: String) -> Check? { all.first { $0.id == id } }

    /// Every applicable verdict, grouped by resource type so each resource meets only its checks.
    public static func evaluate(_ resources: [CloudResource], checks: [Check] = all) -> [Finding] {
        let byType = Dictionary(grouping: checks, by: \.resourceType)
        var findings: [Finding] = []
        findings.reserveCapacity(resources.count * 2)
        for resource in resources {
            for check in byType[resource.type] ?? [] {
                guard let verdict = check.judge(resource) else { continue }
                findings.append(Finding(
                    checkID: check.id, severity: check.severity, resourceARN: resource.arn, service: resource.service,
                    region: resource.region, verdict: verdict))
            }
        }
        return findings
    }
}
