import AWSAPI
import Cloud
import Database
import Domain
import FoundationEssentials
import Runtime

/// How anything in the platform gets into a customer's AWS account: `sts:AssumeRole` on the
/// role the workspace connected, with the workspace's external ID, for one hour. The identity is
/// read through the caller's own session, so a user reaches only their workspaces' identities
/// (row-level security) while a system function reaches any. Every issuance is audited before
/// the credentials are handed out; they are never stored. When AWS refuses the role, the
/// identity is marked revoked so nothing more is attempted until it is reconnected.
public struct AWSAccess: Sendable {
    public enum Purpose: String, Sendable {
        case cli, provisioning, scan
    }

    public typealias Requester = CloudRequester

    public struct Issued: Sendable {
        public let identityID: UUID
        public let organizationID: UUID
        public let roleARN: String
        public let sessionName: String
        public let credentials: AWSCredentials
        public let expiration: Date
    }

    let platform: AWSCredentials
    let region: String
    let externalIDKey: [UInt8]
    let environment: Environment

    public init(environment: Environment) throws {
        platform = try AWSCredentials(environment: environment)
        region = environment["AWS_REGION"] ?? "us-east-1"
        externalIDKey = try ExternalID.key(hex: try environment.required("EXTERNAL_ID_KEY"))
        self.environment = environment
    }

    /// `run`: the Terraform run the credentials serve, recorded with the issuance.
    public func credentials(
        for identityID: UUID, purpose: Purpose, requester: Requester, session: some DatabaseSession, run servedRun: UUID? = nil
    ) async throws(AWSAccessRefusal) -> Issued {
        let identity = try await activeIdentity(identityID, session: session)
        // A viewer reads the workspace but never acts in the customer's account.
        if case .user = requester, !identity.callerMayAct { throw .viewerOnly }
        switch identity.purpose {
        case .scan:
            // A scan role is read-only: asking it to provision would only rename the session.
            if purpose == .provisioning { throw .wrongPurpose("this identity is for scanning (read-only): connect a provisioner role (purpose provision) to provision") }
        case .provision:
            if purpose == .scan { throw .wrongPurpose("this identity is for provisioning: scans use a scan identity") }
            // Write access to the customer's account is for the workspace's owners and admins.
            if case .user = requester, !identity.callerIsAdmin { throw .adminsOnly }
        }
        let sessionName = Self.sessionName(organization: identity.organizationID, purpose: purpose, requester: requester)
        let assumed: STS.AssumedRole
        do {
            assumed = try await STS(region: region, credentials: platform, environment: environment).assumeRole(
                roleARN: identity.roleARN, sessionName: sessionName,
                externalID: ExternalID.derive(organization: identity.organizationID, key: externalIDKey, purpose: identity.purpose).value)
        } catch where error.isAccessDenied {
            let reason = "AWS refused to let the platform assume \(identity.roleARN) (\(error.code)): the role was deleted or its trust policy no longer names the platform with this workspace's external ID"
            _ = try await run { try await session.query("SELECT private.record_cloud_access_lost($1, $2) AS outcome", identityID, reason) }
            throw .accessLost(reason: reason)
        } catch {
            throw .aws(error)
        }

        let (userID, actor) = requester.audited
        _ = try await run {
            try await session.query("""
                INSERT INTO public.audit_events (organization_id, user_id, actor, action, cloud_identity_id, details, expires_at)
                VALUES ($1, $2, $3, 'cloud_identity.credentials_issued', $4,
                        jsonb_strip_nulls(jsonb_build_object('purpose', $5::text, 'role_arn', $6::text, 'role_session_name', $7::text, 'run_id', $9::uuid)), $8)
                """, identity.organizationID, userID, actor, identityID, purpose.rawValue, identity.roleARN, sessionName, assumed.expiration, servedRun)
        }
        return Issued(
            identityID: identityID, organizationID: identity.organizationID, roleARN: identity.roleARN, sessionName: sessionName,
            credentials: assumed.credentials, expiration: assumed.expiration)
    }

    /// The external ID the workspace's roles of a purpose must require (derived, never stored).
    public func externalID(for organization: UUID, purpose: ExternalID.Purpose = .scan) -> ExternalID {
        ExternalID.derive(organization: organization, key: externalIDKey, purpose: purpose)
    }

    /// `zcp-<workspace>-<purpose>[-<user>]`: what the customer's CloudTrail shows for every call
    /// made with the credentials (at most 64 of `[\w+=,.@-]`).
    static func sessionName(organization: UUID, purpose: Purpose, requester: Requester) -> String {
        let workspace = organization.uuidString.prefix(8).lowercased()
        switch requester {
        case .user(let id): return "zcp-\(workspace)-\(purpose.rawValue)-\(id.uuidString.prefix(8).lowercased())"
        case .system: return "zcp-\(workspace)-\(purpose.rawValue)"
        }
    }

    private struct Identity {
        let organizationID: UUID
        let roleARN: String
        /// The calling user is an owner, admin or member (not a viewer) of the identity's workspace.
        let callerMayAct: Bool
        /// The calling user is an owner or admin of it.
        let callerIsAdmin: Bool
        let purpose: ExternalID.Purpose
    }

    private func activeIdentity(_ id: UUID, session: some DatabaseSession) async throws(AWSAccessRefusal) -> Identity {
        let rows = try await run {
            try await session.query(
                """
                SELECT organization_id, aws_role_arn, status, status_reason, purpose,
                       organization_id IN (SELECT private.contributor_organization_ids()) AS caller_may_act,
                       organization_id IN (SELECT private.admin_organization_ids()) AS caller_is_admin
                FROM public.cloud_identities WHERE id = $1 AND provider = 'aws'
                """, id)
        }
        guard let row = rows.first else { throw .notFound }
        do {
            let status: String = try row["status"]
            let roleARN: String? = try row["aws_role_arn"]
            guard status == "active", let roleARN else { throw AWSAccessRefusal.notActive(status: status, reason: try row["status_reason"]) }
            return Identity(organizationID: try row["organization_id"], roleARN: roleARN, callerMayAct: try row["caller_may_act"],
                            callerIsAdmin: try row["caller_is_admin"], purpose: ExternalID.Purpose(rawValue: try row["purpose"]) ?? .scan)
        } catch let refusal as AWSAccessRefusal {
            throw refusal
        } catch {
            throw .database(error)
        }
    }

    private func run<T>(_ body: () async throws -> T) async throws(AWSAccessRefusal) -> T {
        try await databaseStep(AWSAccessRefusal.database, body)
    }
}

/// Why no credentials were issued.
public enum AWSAccessRefusal: Error, Sendable {
    /// No such AWS identity, or not one the caller can see.
    case notFound
    /// The caller is a viewer of the identity's workspace: viewers get no credentials.
    case viewerOnly
    /// Provisioning credentials are for the workspace's owners and admins.
    case adminsOnly
    /// The identity is not for this (a scan role asked to provision, or the other way round).
    case wrongPurpose(String)
    /// Revoked, pending or in error: reconnect it first.
    case notActive(status: String, reason: String?)
    /// AWS refused the role just now; the identity has been marked revoked with this reason.
    case accessLost(reason: String)
    /// AWS failed otherwise (throttled, unreachable, the platform's own credentials): nothing changed.
    case aws(AWSError)
    case database(any Error)
}
