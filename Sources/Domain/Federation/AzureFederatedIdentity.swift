import FoundationEssentials

/// A customer's Entra ID application (or user-assigned managed identity) that trusts the
/// platform through a federated identity credential, and the subscription it reads. Tenant,
/// client and subscription are UUIDs, lowercase as Entra writes them.
public struct AzureFederatedIdentity: Sendable, Equatable {
    public let tenantID: UUID
    public let clientID: UUID
    public let subscriptionID: UUID

    public init(tenantID: UUID, clientID: UUID, subscriptionID: UUID) {
        self.tenantID = tenantID
        self.clientID = clientID
        self.subscriptionID = subscriptionID
    }

    /// The one audience a federated identity credential may have (Entra's rule).
    public static let audience = "api://AzureADTokenExchange"

    public var tenant: String { tenantID.uuidString.lowercased() }
    public var client: String { clientID.uuidString.lowercased() }
    public var subscription: String { subscriptionID.uuidString.lowercased() }

    public func identityID(workspace: UUID) -> UUID {
        FederationSubject.identityID(workspace: workspace, provider: "azure", names: [tenant, client, subscription])
    }

    public func subject(workspace: UUID) -> FederationSubject {
        FederationSubject(workspace: workspace, identity: identityID(workspace: workspace))
    }
}
