import Database
import Domain
import FoundationEssentials
import Runtime

/// `GET /api/gcp/workload-identity?organization_id=…&project_number=…&pool_id=…&provider_id=…&service_account_email=…`
/// — GCP onboarding for a workspace member: what the customer's workload identity provider must
/// trust (the platform's issuer URL, the exact subject of the identity these names will make,
/// the audience) and how (attribute mapping, a condition pinning the subject, the
/// `roles/iam.workloadIdentityUser` binding), as gcloud commands and as Terraform. Nothing is
/// stored: the identity's id, and so its subject, follow from the workspace and these names.
struct GCPWorkloadIdentityOnboarding: HTTPFunction {
    struct Onboarding: Encodable {
        let identity_id: String
        let issuer: String
        let subject: String
        let audience: String
        let principal: String
        let attribute_mapping: [String: String]
        let attribute_condition: String
        let service_account_role: String
        let gcloud: [String]
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
        router.get("/api/gcp/workload-identity") { request, _ in
            let caller = try await verifier.verify(request)
            let organization = try request.workspaceQuery()
            let identity = try Self.identity(from: request)
            try await database.userSession(caller).requireMember(of: organization)
            return try .json(Self.onboarding(identity, workspace: organization, issuer: issuer), headers: ["cache-control": "no-store"])
        }
        self.router = router
    }

    static func identity(from request: APIGatewayV2Request) throws(HTTPError) -> GCPWorkloadIdentity {
        guard let project = request.query("project_number"), let pool = request.query("pool_id"),
              let provider = request.query("provider_id"), let email = request.query("service_account_email") else {
            throw .badRequest("project_number, pool_id, provider_id and service_account_email are required")
        }
        guard let identity = GCPWorkloadIdentity(projectNumber: project, poolID: pool, providerID: provider, serviceAccountEmail: email) else {
            throw .badRequest("project_number must be the project's number (digits), pool_id and provider_id 4-32 of a-z, 0-9 and -, service_account_email NAME@PROJECT.iam.gserviceaccount.com")
        }
        return identity
    }

    static func onboarding(_ identity: GCPWorkloadIdentity, workspace: UUID, issuer: String) -> Onboarding {
        let subject = identity.subject(workspace: workspace).value
        let condition = "assertion.sub == '\(subject)'"
        let principal = identity.principal(workspace: workspace)
        let project = identity.serviceAccountProject
        let gcloud = [
            "gcloud iam workload-identity-pools create \(identity.poolID) --project=\(identity.projectNumber) --location=global --display-name=\"Zero-credential platform\"",
            "gcloud iam workload-identity-pools providers create-oidc \(identity.providerID) --project=\(identity.projectNumber) --location=global --workload-identity-pool=\(identity.poolID) --issuer-uri=\"\(issuer)\" --attribute-mapping=\"google.subject=assertion.sub,attribute.workspace_id=assertion.workspace_id,attribute.identity_id=assertion.identity_id\" --attribute-condition=\"\(condition)\"",
            "gcloud iam service-accounts add-iam-policy-binding \(identity.serviceAccountEmail) --project=\(project) --role=roles/iam.workloadIdentityUser --member=\"\(principal)\"",
            "gcloud projects add-iam-policy-binding \(project) --role=roles/viewer --member=\"serviceAccount:\(identity.serviceAccountEmail)\"",
        ]
        let terraform = """
            resource "google_iam_workload_identity_pool" "platform" {
              project                   = "\(identity.projectNumber)"
              workload_identity_pool_id = "\(identity.poolID)"
              display_name              = "Zero-credential platform"
            }

            resource "google_iam_workload_identity_pool_provider" "platform" {
              project                            = "\(identity.projectNumber)"
              workload_identity_pool_id          = google_iam_workload_identity_pool.platform.workload_identity_pool_id
              workload_identity_pool_provider_id = "\(identity.providerID)"
              attribute_mapping = {
                "google.subject"         = "assertion.sub"
                "attribute.workspace_id" = "assertion.workspace_id"
                "attribute.identity_id"  = "assertion.identity_id"
              }
              attribute_condition = "\(condition)"
              oidc {
                issuer_uri = "\(issuer)"
              }
            }

            resource "google_service_account_iam_member" "platform" {
              service_account_id = "projects/\(project)/serviceAccounts/\(identity.serviceAccountEmail)"
              role               = "roles/iam.workloadIdentityUser"
              member             = "\(principal)"
            }

            resource "google_project_iam_member" "platform_viewer" {
              project = "\(project)"
              role    = "roles/viewer"
              member  = "serviceAccount:\(identity.serviceAccountEmail)"
            }
            """
        return Onboarding(
            identity_id: identity.identityID(workspace: workspace).uuidString.lowercased(), issuer: issuer, subject: subject,
            audience: identity.providerResourceName, principal: principal,
            attribute_mapping: ["google.subject": "assertion.sub", "attribute.workspace_id": "assertion.workspace_id", "attribute.identity_id": "assertion.identity_id"],
            attribute_condition: condition, service_account_role: "roles/iam.workloadIdentityUser", gcloud: gcloud, terraform: terraform,
            note: "The pool and provider must be in the project numbered \(identity.projectNumber). New pools and providers take up to 5 minutes to work; then connect with POST /api/cloud-identities {\"provider\":\"gcp\", …}.")
    }
}
