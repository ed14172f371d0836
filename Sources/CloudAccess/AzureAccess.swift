import AzureAPI
import Cloud
import Database
import Domain
import FoundationEssentials
import Runtime

/// How anything in the platform gets into a customer's Azure subscription: a federation token
/// for the identity's subject (audience `api://AzureADTokenExchange`) presented to Entra ID as the
/// client assertion of the customer's application, for a one-hour Resource Manager token. As for
/// AWS and GCP: read through the caller's session (scoped to Azure identities), audited before
/// anything is handed out, never stored, revoked when Entra says the application or its
/// federated credential is gone.
public struct AzureAccess: Sendable {
    public typealias Requester = CloudRequester

    public struct Issued: Sendable {
        public let identityID: UUID
        public let organizationID: UUID
        public let accessToken: String
        public let expiration: Date
    }

    let keys: PlatformSigningKeys
    let entra: AzureFederation
    /// How long connect keeps retrying while Entra has not yet seen a new federated credential.
    let propagationWait: Duration

    public var issuer: String { keys.issuer }

    public init(environment: Environment) throws {
        keys = try PlatformSigningKeys(environment: environment)
        entra = AzureFederation(environment: environment)
        let seconds = environment["AZURE_PROPAGATION_WAIT_SECONDS"].flatMap(Int.init).map { min(max($0, 0), 120) } ?? 60
        propagationWait = .seconds(seconds)
    }

    func token(subject: FederationSubject, purpose: String) async throws -> String {
        try await keys.federationToken(subject: subject, audience: AzureFederatedIdentity.audience, purpose: purpose)
    }

    /// Connect's check: the exchange works now. A credential created a moment ago is not yet
    /// seen by Entra (AADSTS70021): retried with backoff for `AZURE_PROPAGATION_WAIT_SECONDS`.
    public func verify(_ identity: AzureFederatedIdentity, workspace: UUID) async throws -> Date {
        let deadline = ContinuousClock.now + propagationWait
        var pause = Duration.seconds(1)
        while true {
            let assertion = try await token(subject: identity.subject(workspace: workspace), purpose: "connect")
            let result: Result<AzureFederation.AccessToken, AzureFederationError>
            do { result = .success(try await entra.accessToken(assertion: assertion, tenant: identity.tenant, clientID: identity.client)) } catch { result = .failure(error) }
            switch result {
            case .success(let access):
                return access.expiresAt
            case .failure(let error):
                guard case .noMatchingCredential = error, ContinuousClock.now + pause < deadline else { throw error }
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(15))
            }
        }
    }

    public func credentials(for identityID: UUID, purpose: String, requester: Requester, session: some DatabaseSession) async throws(AzureAccessRefusal) -> Issued {
        let (organization, identity, callerMayAct) = try await activeIdentity(identityID, session: session)
        if case .user = requester, !callerMayAct { throw .viewerOnly }
        let subject = FederationSubject(workspace: organization, identity: identityID)
        let access: AzureFederation.AccessToken
        do {
            access = try await entra.accessToken(assertion: try await token(subject: subject, purpose: purpose), tenant: identity.tenant, clientID: identity.client)
        } catch let error as AzureFederationError where error.trustLost {
            let reason = "Entra ID refused the platform for application \(identity.client): \(error)"
            _ = try await run { try await session.query("SELECT private.record_cloud_access_lost($1, $2) AS outcome", identityID, reason) }
            throw .accessLost(reason: reason)
        } catch let error as AzureFederationError {
            throw .entra(error)
        } catch {
            throw .signing(error)
        }
        _ = try await run {
            try await auditIssuance("cloud_identity.credentials_issued", organization: organization, identity: identityID, requester: requester, session: session,
                                    details: ["purpose": purpose, "client_id": identity.client, "subject": subject.value], until: access.expiresAt)
        }
        return Issued(identityID: identityID, organizationID: organization, accessToken: access.value, expiration: access.expiresAt)
    }

    /// A federation token for a runner (azurerm's `ARM_OIDC_REQUEST_URL`), audited.
    public func runnerToken(for identityID: UUID, audience: String?, requester: Requester, session: some DatabaseSession) async throws(AzureAccessRefusal) -> String {
        let (organization, _, callerMayAct) = try await activeIdentity(identityID, session: session)
        if case .user = requester, !callerMayAct { throw .viewerOnly }
        if let audience, audience != AzureFederatedIdentity.audience { throw .wrongAudience(expected: AzureFederatedIdentity.audience) }
        let token: String
        do { token = try await self.token(subject: FederationSubject(workspace: organization, identity: identityID), purpose: "runner") } catch { throw .signing(error) }
        _ = try await run {
            try await auditIssuance("cloud_identity.federation_token_issued", organization: organization, identity: identityID, requester: requester,
                                    session: session, details: ["purpose": "runner", "audience": AzureFederatedIdentity.audience],
                                    until: Date().addingTimeInterval(Double(FederationClaims.maximumLifetimeSeconds)))
        }
        return token
    }

    func activeIdentity(_ id: UUID, session: some DatabaseSession) async throws(AzureAccessRefusal) -> (UUID, AzureFederatedIdentity, Bool) {
        let rows = try await run {
            try await session.query(
                """
                SELECT organization_id, status, status_reason, azure_tenant_id, azure_client_id, azure_subscription_id,
                       organization_id IN (SELECT private.contributor_organization_ids()) AS caller_may_act
                FROM public.cloud_identities WHERE id = $1 AND provider = 'azure'
                """, id)
        }
        guard let row = rows.first else { throw .notFound }
        do {
            let status: String = try row["status"]
            guard status == "active" else { throw AzureAccessRefusal.notActive(status: status, reason: try row["status_reason"]) }
            let tenant: UUID? = try row["azure_tenant_id"], client: UUID? = try row["azure_client_id"], subscription: UUID? = try row["azure_subscription_id"]
            guard let tenant, let client, let subscription else { throw AzureAccessRefusal.notFound }
            return (try row["organization_id"], AzureFederatedIdentity(tenantID: tenant, clientID: client, subscriptionID: subscription), try row["caller_may_act"])
        } catch let refusal as AzureAccessRefusal {
            throw refusal
        } catch {
            throw .database(error)
        }
    }

    private func run<T>(_ body: () async throws -> T) async throws(AzureAccessRefusal) -> T {
        try await databaseStep(AzureAccessRefusal.database, body)
    }
}

/// Why no Azure token was issued.
public enum AzureAccessRefusal: Error, Sendable {
    case notFound
    case viewerOnly
    case notActive(status: String, reason: String?)
    case wrongAudience(expected: String)
    /// Entra said the application or its credential is gone; the identity has been revoked with this reason.
    case accessLost(reason: String)
    case entra(AzureFederationError)
    case signing(any Error)
    case database(any Error)
}
