import FoundationEssentials

/// A customer's GCP Workload Identity Federation provider and the service account the platform
/// impersonates through it. The one definition of each part's validity (the database's CHECKs say
/// the same): project number 1–20 digits, pool and provider ids 4–32 of `[a-z0-9-]` (GCP's own
/// rule also forbids a leading `gcp-` and a leading or trailing hyphen), service account e-mail
/// `name@project.iam.gserviceaccount.com`.
public struct GCPWorkloadIdentity: Sendable, Equatable {
    public let projectNumber: String
    public let poolID: String
    public let providerID: String
    public let serviceAccountEmail: String

    public init?(projectNumber: String, poolID: String, providerID: String, serviceAccountEmail: String) {
        guard projectNumber.wholeMatch(of: /[0-9]{1,20}/) != nil,
              Self.isPoolOrProviderID(poolID), Self.isPoolOrProviderID(providerID),
              serviceAccountEmail.utf8.count <= 254,
              serviceAccountEmail.wholeMatch(of: /[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com/) != nil
        else { return nil }
        self.projectNumber = projectNumber
        self.poolID = poolID
        self.providerID = providerID
        self.serviceAccountEmail = serviceAccountEmail
    }

    static func isPoolOrProviderID(_ id: String) -> Bool {
        id.wholeMatch(of: /[a-z0-9-]{4,32}/) != nil && !id.hasPrefix("gcp-") && !id.hasPrefix("-") && !id.hasSuffix("-")
    }

    /// The provider's full resource name without `https:`: the `aud` GCP's STS expects by default.
    public var providerResourceName: String {
        "//iam.googleapis.com/projects/\(projectNumber)/locations/global/workloadIdentityPools/\(poolID)/providers/\(providerID)"
    }

    /// The service account's project (from its e-mail), where its IAM roles are read.
    public var serviceAccountProject: String {
        String(serviceAccountEmail.split(separator: "@")[1].split(separator: ".")[0])
    }

    public func identityID(workspace: UUID) -> UUID {
        FederationSubject.identityID(workspace: workspace, provider: "gcp", names: [projectNumber, poolID, providerID, serviceAccountEmail])
    }

    public func subject(workspace: UUID) -> FederationSubject {
        FederationSubject(workspace: workspace, identity: identityID(workspace: workspace))
    }

    /// The principal that may impersonate the service account: exactly this subject in this pool.
    public func principal(workspace: UUID) -> String {
        "principal://iam.googleapis.com/projects/\(projectNumber)/locations/global/workloadIdentityPools/\(poolID)/subject/\(subject(workspace: workspace).value)"
    }
}
