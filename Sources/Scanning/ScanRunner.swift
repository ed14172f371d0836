import AWSAPI
import AWSInventory
import Cloud
import CloudAccess
import Database
import Domain
import FoundationEssentials
import Logging
import Runtime

/// One scan, start to finish: claim it (a scan runs once however often its event arrives), get
/// into the account through `AWSAccess`, collect, judge, write, and say how it went. Only read
/// calls reach AWS; no credential reaches the database or the logs.
public struct ScanRunner: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Not queued (already running, finished or cancelled), or no such scan: nothing was done.
        case skipped(status: String?)
        case finished(status: String, resources: Int, failedFindings: Int)
        /// The identity cannot be used (revoked, or AWS refused the role just now).
        case abandoned(reason: String)
    }

    let access: AWSAccess
    let trust: RoleTrustCheck
    let regions: [String]?
    let maximumRequestsInFlight: Int
    /// How often a running scan looks whether it was cancelled (revoke, or a user).
    let cancellationCheck: Duration
    let environment: Environment
    /// How long a `running` scan may go quiet before another event may take it over (a runner
    /// that died mid-scan).
    static let takeoverAfterMinutes = 30

    public init(environment: Environment) throws {
        access = try AWSAccess(environment: environment)
        trust = try RoleTrustCheck(environment: environment)
        regions = environment["SCAN_REGIONS"].map { $0.split(separator: ",").map { String($0.filter { !$0.isWhitespace }) }.filter { !$0.isEmpty } }
        maximumRequestsInFlight = environment["SCAN_MAX_REQUESTS_IN_FLIGHT"].flatMap(Int.init) ?? 16
        cancellationCheck = .milliseconds(min(60_000, max(100, environment["SCAN_CANCELLATION_CHECK_MILLISECONDS"].flatMap(Int.init) ?? 2000)))
        self.environment = environment
    }

    public func run(scan scanID: UUID, session: some DatabaseSession, logger: Logger) async throws -> Outcome {
        guard let claimed = try await claim(scanID, session: session) else {
            let status: String? = try await session.query("SELECT status FROM public.scans WHERE id = $1", scanID).first?["status"]
            return .skipped(status: status)
        }
        let identityID: UUID = try claimed["cloud_identity_id"]

        let credentials = ScanCredentials(access: access, identity: identityID, session: session)
        let first: AWSAccess.Issued
        do {
            first = try await credentials.current()
        } catch {
            return try await abandon(scanID, refusal: error, session: session)
        }
        guard let role = RoleARN(first.roleARN) else { return try await abandon(scanID, refusal: .notFound, session: session) }
        if let loosened = await trustProblem(role: role, issued: first, logger: logger) {
            // The schedule's re-check: a role any workspace could use is not scanned, nor used at all, until reconnected.
            _ = try await session.query("SELECT private.record_cloud_identity_misconfigured($1, $2) AS outcome", identityID, loosened)
            logger.warning("cloud identity misconfigured", metadata: ["scan": "\(scanID)", "cloudIdentity": "\(identityID)"])
            return .abandoned(reason: loosened)
        }
        logger.info("scan started", metadata: ["scan": "\(scanID)", "cloudIdentity": "\(identityID)"])

        let inventory = AccountInventory(
            account: role.account, regions: regions, maximumRequestsInFlight: maximumRequestsInFlight, environment: environment,
            credentials: { try await credentials.current().credentials })
        guard let collected = await collect(inventory, scanID: scanID, session: session) else {
            logger.info("scan stopped: cancelled while running", metadata: ["scan": "\(scanID)", "cloudIdentity": "\(identityID)"])
            return .abandoned(reason: "the scan was cancelled while it ran")
        }
        let findings = SecurityChecks.evaluate(collected.resources)

        let writer = ScanWriter(scanID: scanID, organizationID: first.organizationID, identityID: identityID, session: session)
        try await writer.write(resources: collected.resources, findings: findings)
        let failed = findings.filter { $0.verdict.status == .fail }.count
        let status = collected.serviceErrors.isEmpty ? "succeeded" : collected.completed.isEmpty ? "failed" : "partial"
        try await writer.finish(status: status, completed: collected.completed, serviceErrors: collected.serviceErrors,
                                resourceCount: collected.resources.count, failedFindings: failed)
        logger.info("scan finished", metadata: [
            "scan": "\(scanID)", "status": "\(status)", "resources": "\(collected.resources.count)", "failedFindings": "\(failed)",
            "serviceErrors": "\(collected.serviceErrors.keys.sorted())",
        ])
        return .finished(status: status, resources: collected.resources.count, failedFindings: failed)
    }

    /// The inventory, or nil when the scan stopped being `running` meanwhile (cancelled, or its
    /// identity revoked): then the collection is cancelled, so no further request reaches AWS.
    private func collect(_ inventory: AccountInventory, scanID: UUID, session: some DatabaseSession) async -> AccountInventory.Result? {
        let home = environment["AWS_REGION"] ?? "us-east-1"
        let interval = cancellationCheck
        let outcome = await withTaskGroup(of: Collection.self) { group in
            group.addTask {
                do { return .collected(try await inventory.collect(home: home)) }
                catch { return .collected(AccountInventory.Result(serviceErrors: ["regions": "\(error)"])) }
            }
            group.addTask {
                while (try? await Task.sleep(for: interval)) != nil {
                    let status: String? = try? await session.query("SELECT status FROM public.scans WHERE id = $1", scanID).first?["status"]
                    if let status, status != "running" { return .cancelled }
                }
                return .watcherStopped
            }
            var outcome = Collection.watcherStopped
            while let next = await group.next() {
                if case .watcherStopped = next { continue }
                outcome = next
                group.cancelAll()
                break
            }
            return outcome
        }
        if case .collected(let result) = outcome { return result }
        return nil
    }

    /// A struct-like enum, not a tuple, as task-group results must be here (Swift 6.3.1 release builds).
    enum Collection: Sendable {
        case collected(AccountInventory.Result)
        case cancelled
        case watcherStopped
    }

    /// Why the role no longer pins the workspace's external ID, or nil. AWS failing to answer the
    /// check is not a verdict: the scan goes on and the next one checks again.
    private func trustProblem(role: RoleARN, issued: AWSAccess.Issued, logger: Logger) async -> String? {
        do {
            switch try await trust.verify(role: role, externalID: access.externalID(for: issued.organizationID, purpose: .scan),
                                          organization: issued.organizationID, assumed: issued.credentials) {
            case .pinned: return nil
            case .unpinned(let problems):
                return "the role's trust policy no longer requires this workspace's external ID (\(problems.joined(separator: "; "))); fix it and connect the role again"
            case .unreadable:
                return "the role can no longer read its own trust policy (iam:GetRole); attach SecurityAudit and connect the role again"
            }
        } catch {
            logger.warning("trust re-check did not complete", metadata: ["cloudIdentity": "\(issued.identityID)", "awsError": "\(error.code)"])
            return nil
        }
    }

    private func claim(_ scanID: UUID, session: some DatabaseSession) async throws -> Row? {
        try await session.query("""
            UPDATE public.scans SET status = 'running', started_at = now(), finished_at = NULL, error = NULL, service_errors = '{}'
            WHERE id = $1 AND (status = 'queued' OR (status = 'running' AND started_at < now() - make_interval(mins => $2)))
            RETURNING cloud_identity_id
            """, scanID, Self.takeoverAfterMinutes).first
    }

    private func abandon(_ scanID: UUID, refusal: AWSAccessRefusal, session: some DatabaseSession) async throws -> Outcome {
        let reason: String
        switch refusal {
        case .notFound, .viewerOnly, .adminsOnly: reason = "the cloud identity no longer exists"
        case .wrongPurpose(let why): reason = why
        case .notActive(let status, let why): reason = "the cloud identity is \(status)\(why.map { ": \($0)" } ?? "")"
        case .accessLost(let why): reason = why
        case .aws(let error): reason = "AWS could not be reached: \(error.code)"
        case .database(let error): throw error
        }
        // A lost role already cancelled the scan (with the identity); anything else ends it failed.
        _ = try await session.query(
            "UPDATE public.scans SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 AND status = 'running'", scanID, reason)
        return .abandoned(reason: reason)
    }
}

/// The scan's credentials: assumed once, assumed again when they have less than ten minutes left.
actor ScanCredentials {
    let access: AWSAccess
    let identity: UUID
    let session: any DatabaseSession
    private var issued: AWSAccess.Issued?

    init(access: AWSAccess, identity: UUID, session: some DatabaseSession) {
        self.access = access
        self.identity = identity
        self.session = session
    }

    func current() async throws(AWSAccessRefusal) -> AWSAccess.Issued {
        if let issued, issued.expiration.timeIntervalSinceNow > 600 { return issued }
        let fresh = try await access.credentials(for: identity, purpose: .scan, requester: .system("run-scan"), session: session)
        issued = fresh
        return fresh
    }
}
