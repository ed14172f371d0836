/// Why Entra ID refused the platform's client assertion, by its AADSTS code, as what the customer
/// must change. `trustLost` ones mean the application or its federated credential is gone: an
/// active identity is revoked on them.
public enum AzureFederationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// AADSTS70021 / 700211 / 700213 / 7002137 / 7002138: no federated credential of the app
    /// matches the assertion's issuer, subject and audience exactly (right after one is created,
    /// this is also Entra's propagation delay).
    case noMatchingCredential(String)
    /// AADSTS700016: no such application in the tenant.
    case applicationNotFound(String)
    /// AADSTS90002: no such tenant.
    case tenantNotFound(String)
    /// AADSTS700024 / 70023: the assertion's times were refused (clock skew, lifetime).
    case assertionTime(String)
    /// AADSTS7000215: the application expects a client secret, not a federated credential.
    case federationNotConfigured(String)
    /// AADSTS700027 and other signature failures: Entra could not verify the platform's signature.
    case signatureRefused(String)
    case refused(status: Int, message: String)
    /// Unreachable, throttled or failing: nothing to change, try again.
    case unavailable(String)

    public var code: String {
        switch self {
        case .noMatchingCredential: "azure_no_matching_federated_credential"
        case .applicationNotFound: "azure_application_not_found"
        case .tenantNotFound: "azure_tenant_not_found"
        case .assertionTime: "azure_assertion_time"
        case .federationNotConfigured: "azure_federation_not_configured"
        case .signatureRefused: "azure_signature_refused"
        case .refused: "azure_refused"
        case .unavailable: "azure_unavailable"
        }
    }

    public var trustLost: Bool {
        switch self {
        case .noMatchingCredential, .applicationNotFound, .tenantNotFound: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .noMatchingCredential(let entra):
            "no federated identity credential of the application matches the platform's issuer, subject and audience exactly (after creating one, Entra takes a minute or two to see it) (Entra said: \(entra))"
        case .applicationNotFound(let entra):
            "the application (client) id is not in this tenant (Entra said: \(entra))"
        case .tenantNotFound(let entra):
            "the tenant id does not exist (Entra said: \(entra))"
        case .assertionTime(let entra):
            "Entra refused the times of the platform's token (Entra said: \(entra))"
        case .federationNotConfigured(let entra):
            "the application has no federated identity credential for the platform (Entra said: \(entra))"
        case .signatureRefused(let entra):
            "Entra could not verify the platform's signature against its published keys (Entra said: \(entra))"
        case .refused(let status, let message):
            "Entra ID refused the token request (\(status)): \(message)"
        case .unavailable(let message):
            "Entra ID could not be reached or failed: \(message)"
        }
    }
}
