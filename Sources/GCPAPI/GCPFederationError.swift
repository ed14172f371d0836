/// Why Google refused a federation, translated from its documented answers into what the customer
/// must change. `trustLost` ones mean the trust the customer set up is gone or no longer matches
/// (a deleted pool, provider or service account, a changed condition): an active identity is
/// revoked on them. The others are configuration to fix at connect time, or transient.
public enum GCPFederationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// STS: the audience is not the provider's full resource name (or one of its allowed audiences).
    case wrongAudience(String)
    /// STS `invalid_grant` "Error connecting to the given credential's issuer": Google could not
    /// fetch the platform's discovery document or keys (the provider's issuer URL is wrong or unreachable).
    case issuerUnreachable(String)
    /// STS: the provider's issuer is another URL than the token's `iss`.
    case issuerMismatch(String)
    /// STS `unauthorized_client`: the provider's attribute condition rejected the subject.
    case attributeCondition(String)
    /// STS: the mapped `google.subject` is over 127 bytes.
    case subjectTooLong(String)
    /// STS `invalid_target`: the pool or provider does not exist, or is disabled or deleted.
    case providerNotFound(String)
    /// iamcredentials 403/404: the federated principal may not impersonate the service account
    /// (no `roles/iam.workloadIdentityUser` binding, or the account does not exist).
    case cannotImpersonate(String)
    /// Any other refusal by Google, with its status and message.
    case refused(status: Int, message: String)
    /// Unreachable, throttled or failing (429, 5xx): nothing to change, try again.
    case unavailable(String)

    public var code: String {
        switch self {
        case .wrongAudience: "gcp_wrong_audience"
        case .issuerUnreachable: "gcp_issuer_unreachable"
        case .issuerMismatch: "gcp_issuer_mismatch"
        case .attributeCondition: "gcp_attribute_condition"
        case .subjectTooLong: "gcp_subject_too_long"
        case .providerNotFound: "gcp_provider_not_found"
        case .cannotImpersonate: "gcp_cannot_impersonate"
        case .refused: "gcp_refused"
        case .unavailable: "gcp_unavailable"
        }
    }

    /// The trust behind an active identity is gone: revoke it (a transient failure never does).
    public var trustLost: Bool {
        switch self {
        case .providerNotFound, .cannotImpersonate, .attributeCondition, .wrongAudience, .issuerMismatch: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .wrongAudience(let google):
            "Google's STS refused the audience: it must be the provider's full resource name, //iam.googleapis.com/projects/<project number>/locations/global/workloadIdentityPools/<pool>/providers/<provider> (Google said: \(google))"
        case .issuerUnreachable(let google):
            "Google could not fetch the platform's OpenID configuration and keys: the provider's issuer URI must be the platform's URL exactly, reachable over public HTTPS (Google said: \(google))"
        case .issuerMismatch(let google):
            "the provider trusts another issuer: set its issuer URI to the platform's URL exactly (Google said: \(google))"
        case .attributeCondition(let google):
            "the provider's attribute condition rejected the platform's subject: it must allow exactly this identity's subject (Google said: \(google))"
        case .subjectTooLong(let google):
            "the mapped google.subject is over 127 bytes: map google.subject=assertion.sub (Google said: \(google))"
        case .providerNotFound(let google):
            "the workload identity pool or provider does not exist, or is disabled or deleted (new pools take up to 5 minutes to work) (Google said: \(google))"
        case .cannotImpersonate(let google):
            "the platform's subject may not impersonate the service account: grant roles/iam.workloadIdentityUser on it to the subject's principal, and check the account exists (Google said: \(google))"
        case .refused(let status, let message):
            "Google refused the federation (\(status)): \(message)"
        case .unavailable(let message):
            "Google could not be reached or failed: \(message)"
        }
    }
}
