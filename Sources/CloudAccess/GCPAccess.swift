import Cloud
import Database
import Domain
import FoundationEssentials
import GCPAPI
import Runtime

/// How anything in the platform gets into a customer's GCP project: a federation token for the
/// identity's subject (signed by the platform, never a key of the customer's), exchanged at
/// Google's STS and then for the service account's one-hour access token. As for AWS: the identity
/// is read through the caller's session (scoped to GCP identities), every issuance is audited
/// before the token is handed out, nothing is stored, and when Google says the trust is gone the
/// identity is revoked with the reason.
public struct GCPAccess: Sendable {
    public typealias Requester = CloudRequester

    public struct Issued: Sendable {
        public let identityID: UUID
        public let organizationID: UUID
        public let serviceAccountEmail: String
        public let accessToken: String
        public let expiration: Date
    }

    let keys: PlatformSigningKeys
    let google: GCPFederation

    /// The issuer Google checks the federation token against (`PLATFORM_URL`).
    public var issuer: String { keys.issuer }

    public init(environment: Environment) throws {
        keys = try PlatformSigningKeys(environment: environment)
        google = GCPFederation(environment: environment)
    }

    /// The federation token the platform presents for an identity (also what runners fetch to refresh by themselves).
    func federationToken(subject: FederationSubject, identity: GCPWorkloadIdentity, purpose: String) async throws -> String {
        try await keys.federationToken(subject: subject, audience: identity.providerResourceName, purpose: purpose)
    }

    /// Connect's check: the exchange works now, and what the service account may do on its project.
    public func verify(_ identity: GCPWorkloadIdentity, workspace: UUID) async throws -> (roles: [String]?, expiration: Date) {
        // Before it exists: the id connect will give it, derived from the names.
        let token = try await federationToken(subject: identity.subject(workspace: workspace), identity: identity, purpose: "connect")
        let access = try await google.accessToken(federationToken: token, audience: identity.providerResourceName,
                                                  serviceAccountEmail: identity.serviceAccountEmail)
        let roles = await google.projectRoles(project: identity.serviceAccountProject, member: "serviceAccount:\(identity.serviceAccountEmail)",
                                              accessToken: access.value)
        return (roles, access.expiresAt)
    }

    public func credentials(for identityID: UUID, purpose: String, requester: Requester, session: some DatabaseSession) async throws(GCPAccessRefusal) -> Issued {
        let (organization, identity, callerMayAct) = try await activeIdentity(identityID, session: session)
        if case .user = requester, !callerMayAct { throw .viewerOnly }
        let access: GCPFederation.AccessToken
        do {
            let token = try await federationToken(subject: FederationSubject(workspace: organization, identity: identityID), identity: identity, purpose: purpose)
            access = try await google.accessToken(federationToken: token, audience: identity.providerResourceName,
                                                  serviceAccountEmail: identity.serviceAccountEmail)
        } catch let error as GCPFederationError where error.trustLost {
            let reason = "Google refused the federation for \(identity.serviceAccountEmail): \(error)"
            _ = try await run { try await session.query("SELECT private.record_cloud_access_lost($1, $2) AS outcome", identityID, reason) }
            throw .accessLost(reason: reason)
        } catch let error as GCPFederationError {
            throw .google(error)
        } catch {
            throw .signing(error)
        }
        try await audit("cloud_identity.credentials_issued", organization: organization, identity: identityID, requester: requester, session: session,
                        details: ["purpose": purpose, "service_account": identity.serviceAccountEmail,
                                  "subject": FederationSubject(workspace: organization, identity: identityID).value], until: access.expiresAt)
        return Issued(identityID: identityID, organizationID: organization, serviceAccountEmail: identity.serviceAccountEmail,
                      accessToken: access.value, expiration: access.expiresAt)
    }

    /// A federation token for a runner to exchange by itself (Google's `external_account`
    /// `credential_source.url`), so long runs refresh on their own; audited like credentials.
    public func runnerToken(for identityID: UUID, audience: String?, requester: Requester, session: some DatabaseSession) async throws(GCPAccessRefusal) -> String {
        let (organization, identity, callerMayAct) = try await activeIdentity(identityID, session: session)
        if case .user = requester, !callerMayAct { throw .viewerOnly }
        // Only the identity's own audience: a token for another audience is not this identity's to give.
        if let audience, audience != identity.providerResourceName, audience != "https:" + identity.providerResourceName {
            throw .wrongAudience(expected: identity.providerResourceName)
        }
        let token: String
        do {
            token = try await federationToken(subject: FederationSubject(workspace: organization, identity: identityID), identity: identity, purpose: "runner")
        } catch {
            throw .signing(error)
        }
        try await audit("cloud_identity.federation_token_issued", organization: organization, identity: identityID, requester: requester, session: session,
                        details: ["purpose": "runner", "audience": identity.providerResourceName],
                        until: Date().addingTimeInterval(Double(FederationClaims.maximumLifetimeSeconds)))
        return token
    }

    /// The identity (active, GCP) as the caller sees it.
    public func activeIdentity(_ id: UUID, session: some DatabaseSession) async throws(GCPAccessRefusal) -> (UUID, GCPWorkloadIdentity, Bool) {
        let rows = try await run {
            try await session.query(
                """
                SELECT organization_id, status, status_reason, gcp_project_number, gcp_pool_id, gcp_provider_id, gcp_service_account_email,
                       organization_id IN (SELECT private.contributor_organization_ids()) AS caller_may_act
                FROM public.cloud_identities WHERE id = $1 AND provider = 'gcp'
                """, id)
        }
        guard let row = rows.first else { throw .notFound }
        do {
            let status: String = try row["status"]
            guard status == "active" else { throw GCPAccessRefusal.notActive(status: status, reason: try row["status_reason"]) }
            guard let identity = GCPWorkloadIdentity(
                projectNumber: try row["gcp_project_number"], poolID: try row["gcp_pool_id"], providerID: try row["gcp_provider_id"],
                serviceAccountEmail: try row["gcp_service_account_email"]) else { throw GCPAccessRefusal.notFound }
            return (try row["organization_id"], identity, try row["caller_may_act"])
        } catch let refusal as GCPAccessRefusal {
            throw refusal
        } catch {
            throw .database(error)
        }
    }

    private func audit(_ action: String, organization: UUID, identity: UUID, requester: Requester, session: some DatabaseSession,
                       details: [String: String], until expiry: Date) async throws(GCPAccessRefusal) {
        _ = try await run {
            try await auditIssuance(action, organization: organization, identity: identity, requester: requester, session: session, details: details, until: expiry)
        }
    }

    private func run<T>(_ body: () async throws -> T) async throws(GCPAccessRefusal) -> T {
        try await databaseStep(GCPAccessRefusal.database, body)
    }
}

/// Why no GCP token was issued.
public enum GCPAccessRefusal: Error, Sendable {
    case notFound
    case viewerOnly
    case notActive(status: String, reason: String?)
    /// The runner asked for a token for another audience than the identity's provider.
    case wrongAudience(expected: String)
    /// Google said the trust is gone just now; the identity has been revoked with this reason.
    case accessLost(reason: String)
    /// Google failed otherwise (unreachable, throttled, a refusal that is not about the trust): nothing changed.
    case google(GCPFederationError)
    case signing(any Error)
    case database(any Error)
}
