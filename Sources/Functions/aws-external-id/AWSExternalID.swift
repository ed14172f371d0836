import Database
import Domain
import FoundationEssentials
import Runtime

/// `GET /api/aws/external-id?organization_id=…[&purpose=provision]` — AWS onboarding for a
/// workspace member: the workspace's external ID for the purpose and everything needed to deploy
/// its role template (the read-only scan role, or the bounded provisioner role), its parameters
/// and a CloudFormation quick-create link. Nothing is stored here; the ID is derived.
struct AWSExternalID: HTTPFunction {
    struct Onboarding: Encodable {
        let purpose: String
        let external_id: String
        let platform_account_id: String
        let role_template_url: String
        let quick_create_url: String
        let parameters: [String: String]
        let managed_policies: [String]
    }

    let router: Router

    init(context: InitContext) async throws {
        let environment = context.environment
        let database = try Database(environment: environment, applicationName: context.functionName)
        let verifier = try await CallerVerifier(configuration: .init(environment: environment))
        let key = try ExternalID.key(hex: try environment.required("EXTERNAL_ID_KEY"))
        let platformAccount = try environment.required("PLATFORM_AWS_ACCOUNT_ID")
        let templateURL = try environment.required("CUSTOMER_ROLE_TEMPLATE_URL")
        let provisionerTemplateURL = try environment.required("CUSTOMER_PROVISIONER_ROLE_TEMPLATE_URL")
        let region = environment["AWS_REGION"] ?? "us-east-1"

        var router = Router()
        router.get("/api/aws/external-id") { request, _ in
            let caller = try await verifier.verify(request)
            let organization = try request.workspaceQuery()
            // Row-level security answers "is the caller a member?": a workspace they are not in is not found.
            try await database.userSession(caller).requireMember(of: organization)
            guard let purpose = ExternalID.Purpose(rawValue: request.query("purpose") ?? "scan") else {
                throw HTTPError.badRequest("purpose must be scan or provision")
            }
            // Each purpose has its own ID: a scan role's trust never lets the runner in to provision.
            let externalID = ExternalID.derive(organization: organization, key: key, purpose: purpose)
            let parameters = ["ExternalId": externalID.value, "PlatformAccountId": platformAccount]
            let template = purpose == .scan ? templateURL : provisionerTemplateURL
            return try .json(Onboarding(
                purpose: purpose.rawValue, external_id: externalID.value, platform_account_id: platformAccount, role_template_url: template,
                quick_create_url: Self.quickCreateURL(region: region, templateURL: template, parameters: parameters,
                                                      stackName: purpose == .scan ? "ZeroCredentialPlatformAccess" : "ZeroCredentialPlatformProvisioner"),
                parameters: parameters,
                managed_policies: purpose == .scan ? ["arn:aws:iam::aws:policy/SecurityAudit", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"] : []),
                headers: ["cache-control": "no-store"])
        }
        self.router = router
    }

    /// The AWS console's CloudFormation quick-create link, with the template's parameters filled in.
    static func quickCreateURL(region: String, templateURL: String, parameters: [String: String], stackName: String) -> String {
        let query = [("templateURL", templateURL), ("stackName", stackName)]
            + parameters.sorted { $0.key < $1.key }.map { ("param_\($0.key)", $0.value) }
        let encoded = query.map { "\($0.0)=\(percentEncoded($0.1))" }.joined(separator: "&")
        return "https://console.aws.amazon.com/cloudformation/home?region=\(region)#/stacks/quickcreate?\(encoded)"
    }
}
