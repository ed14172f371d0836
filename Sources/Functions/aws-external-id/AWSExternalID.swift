import Database
import Domain
import FoundationEssentials
import Runtime

/// `GET /api/aws/external-id?organization_id=…` — AWS onboarding for a workspace member: the
/// workspace's external ID and everything needed to deploy the customer role template (its
/// parameters and a CloudFormation quick-create link). Nothing is stored here; the ID is derived.
struct AWSExternalID: HTTPFunction {
    struct Onboarding: Encodable {
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
        let region = environment["AWS_REGION"] ?? "us-east-1"

        var router = Router()
        router.get("/api/aws/external-id") { request, _ in
            let caller = try await verifier.verify(request)
            let organization = try request.workspaceQuery()
            // Row-level security answers "is the caller a member?": a workspace they are not in is not found.
            try await database.userSession(caller).requireMember(of: organization)
            let externalID = ExternalID.derive(organization: organization, key: key)
            let parameters = ["ExternalId": externalID.value, "PlatformAccountId": platformAccount]
            return try .json(Onboarding(
                external_id: externalID.value, platform_account_id: platformAccount, role_template_url: templateURL,
                quick_create_url: Self.quickCreateURL(region: region, templateURL: templateURL, parameters: parameters),
                parameters: parameters, managed_policies: ["arn:aws:iam::aws:policy/SecurityAudit", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"]),
                headers: ["cache-control": "no-store"])
        }
        self.router = router
    }

    /// The AWS console's CloudFormation quick-create link, with the template's parameters filled in.
    static func quickCreateURL(region: String, templateURL: String, parameters: [String: String]) -> String {
        let query = [("templateURL", templateURL), ("stackName", "ZeroCredentialPlatformAccess")]
            + parameters.sorted { $0.key < $1.key }.map { ("param_\($0.key)", $0.value) }
        let encoded = query.map { "\($0.0)=\(percentEncoded($0.1))" }.joined(separator: "&")
        return "https://console.aws.amazon.com/cloudformation/home?region=\(region)#/stacks/quickcreate?\(encoded)"
    }
}
