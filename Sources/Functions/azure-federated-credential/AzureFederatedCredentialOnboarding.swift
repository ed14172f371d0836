import Database
import Domain
import FoundationEssentials
import Runtime

/// `GET /api/azure/federated-credential?organization_id=…&tenant_id=…&client_id=…&subscription_id=…`
/// — Azure onboarding for a workspace member: the federated identity credential the customer's
/// application must have (issuer, the exact subject of the identity these ids will make, the one
/// audience Entra allows) and the Reader role assignment for scanning, as `az` commands and
/// Terraform. Nothing is stored: the identity's id, and so its subject, follow from the ids.
struct AzureFederatedCredentialOnboarding: HTTPFunction {
    struct Onboarding: Encodable {
        let identity_id: String
        let issuer: String
        let subject: String
        let audience: String
        let role: String
        let az: [String]
        let terraform: String
        let note: String
    }

    let router: Router

    init(context: InitContext) async throws {
        let environment = context.environment
        let database = try Database(environment: environment, applicationName: context.functionName)
        let verifier = try await CallerVerifier(configuration: .init(environment: environment))
        let issuer = try environment.platformIssuer()

        var router = Router()
        router.get("/api/azure/federated-credential") { request, _ in
            let caller = try await verifier.verify(request)
            let organization = try request.workspaceQuery()
            guard let tenant = request.query("tenant_id").flatMap(UUID.init(uuidString:)),
                  let client = request.query("client_id").flatMap(UUID.init(uuidString:)),
                  let subscription = request.query("subscription_id").flatMap(UUID.init(uuidString:)) else {
                throw HTTPError.badRequest("tenant_id, client_id (the application's) and subscription_id are required, each a UUID")
            }
            try await database.userSession(caller).requireMember(of: organization)
            let identity = AzureFederatedIdentity(tenantID: tenant, clientID: client, subscriptionID: subscription)
            return try .json(Self.onboarding(identity, workspace: organization, issuer: issuer), headers: ["cache-control": "no-store"])
        }
        self.router = router
    }

    static func onboarding(_ identity: AzureFederatedIdentity, workspace: UUID, issuer: String) -> Onboarding {
        let subject = identity.subject(workspace: workspace).value
        let name = "zero-credential-platform-\(workspace.uuidString.prefix(8).lowercased())"
        let parameters = #"{"name":"\#(name)","issuer":"\#(issuer)","subject":"\#(subject)","audiences":["\#(AzureFederatedIdentity.audience)"]}"#
        return Onboarding(
            identity_id: identity.identityID(workspace: workspace).uuidString.lowercased(), issuer: issuer, subject: subject,
            audience: AzureFederatedIdentity.audience, role: "Reader",
            az: [
                "az ad app federated-credential create --id \(identity.client) --parameters '\(parameters)'",
                "az role assignment create --assignee \(identity.client) --role Reader --scope /subscriptions/\(identity.subscription)",
            ],
            terraform: """
                resource "azuread_application_federated_identity_credential" "platform" {
                  application_id = "/applications/<the application's object id>"
                  display_name   = "\(name)"
                  issuer         = "\(issuer)"
                  subject        = "\(subject)"
                  audiences      = ["\(AzureFederatedIdentity.audience)"]
                }

                resource "azurerm_role_assignment" "platform_reader" {
                  scope                = "/subscriptions/\(identity.subscription)"
                  role_definition_name = "Reader"
                  principal_id         = "<the application's service principal object id>"
                }
                """,
            note: "Issuer and subject are matched exactly (case included). A new federated credential takes a minute or two to work; connect retries meanwhile. Then POST /api/cloud-identities {\"provider\":\"azure\", …}.")
    }
}
