import AWSAPI
import Cloud
import Foundation
import Runtime

/// The local customer account `make test` gives moto (IAM authorization on): its administrator
/// creates the roles, buckets and groups a customer would have; the platform's own identity may
/// only assume roles.
public struct CustomerAccount: Sendable {
    public let administrator: AWSCredentials
    public let platform: AWSCredentials
    /// The platform's exact caller ARN. A real role trusts the platform's account (`:root`);
    /// moto compares the trust principal with the caller's ARN literally, so local roles name it.
    public let platformPrincipal: String
    public let region = "us-east-1"
    public let iam: AWSQueryClient

    public init(environment: Environment = Environment()) throws {
        administrator = AWSCredentials(
            accessKeyID: try environment.required("CUSTOMER_AWS_ACCESS_KEY_ID"), secretAccessKey: try environment.required("CUSTOMER_AWS_SECRET_ACCESS_KEY"))
        platform = AWSCredentials(accessKeyID: try environment.required("AWS_ACCESS_KEY_ID"), secretAccessKey: try environment.required("AWS_SECRET_ACCESS_KEY"))
        platformPrincipal = try environment.required("PLATFORM_AWS_PRINCIPAL_ARN")
        iam = AWSQueryClient(service: "iam", version: "2010-05-08", region: "us-east-1", credentials: administrator)
    }

    /// A customer template deployed as its own stack by the administrator, with these parameters.
    public func deployStack(template path: String, parameters: [(String, String)]) async throws {
        let cloudFormation = AWSQueryClient(service: "cloudformation", version: "2010-05-15", region: region, credentials: administrator)
        var fields = [("StackName", "customer-stack-\(UUID().uuidString.prefix(8))"),
                      ("TemplateBody", try String(contentsOfFile: path, encoding: .utf8)), ("Capabilities.member.1", "CAPABILITY_NAMED_IAM")]
        for (index, parameter) in parameters.enumerated() {
            fields += [("Parameters.member.\(index + 1).ParameterKey", parameter.0), ("Parameters.member.\(index + 1).ParameterValue", parameter.1)]
        }
        _ = try await cloudFormation.call("CreateStack", fields)
    }

    /// A provisioner role deployed from infra/customer-provisioner-role.yaml as a customer would,
    /// trusting the platform with `externalID`; its ARN.
    public func provisionerRole(externalID: String) async throws -> String {
        let roleName = "Provisioner-\(UUID().uuidString.prefix(8))"
        try await deployStack(template: "infra/customer-provisioner-role.yaml", parameters: [
            ("ExternalId", externalID), ("PlatformAccountId", "123456789012"), ("RoleName", roleName), ("PlatformPrincipalArn", platformPrincipal),
        ])
        // moto creates the stack's policies but does not attach a role's ManagedPolicyArns (AWS
        // does): attached here as the stack would have.
        _ = try await iam.call("AttachRolePolicy", [("RoleName", roleName), ("PolicyArn", "arn:aws:iam::123456789012:policy/\(roleName)-policy")])
        return "arn:aws:iam::123456789012:role/\(roleName)"
    }

    /// The trust policy a customer's role carries: the platform, only with the external ID.
    public func trustPolicy(externalID: String) -> String {
        #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"\#(platformPrincipal)"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"\#(externalID)"}}}]}"#
    }

    /// A role the platform may assume with `externalID`, carrying the given AWS-managed policies
    /// (names under `arn:aws:iam::aws:policy/`) and, if asked, an inline policy that can write.
    public func makeRole(externalID: String, policies: [String], inlineWritePolicy: Bool = false) async throws -> String {
        try await makeRole(trustPolicy: trustPolicy(externalID: externalID), policies: policies, inlineWritePolicy: inlineWritePolicy)
    }

    /// A role with the given trust policy document, verbatim.
    public func makeRole(trustPolicy: String, policies: [String], inlineWritePolicy: Bool = false) async throws -> String {
        let name = "customer-\(UUID().uuidString.prefix(8))"
        let created = try await iam.call("CreateRole", [("RoleName", name), ("AssumeRolePolicyDocument", trustPolicy), ("MaxSessionDuration", "3600")])
        for policy in policies {
            _ = try await iam.call("AttachRolePolicy", [("RoleName", name), ("PolicyArn", "arn:aws:iam::aws:policy/\(policy)")])
        }
        if inlineWritePolicy {
            _ = try await iam.call("PutRolePolicy", [("RoleName", name), ("PolicyName", "extra"),
                ("PolicyDocument", #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}"#)])
        }
        guard let arn = created.value("Arn") else { throw AWSError(code: "InvalidResponse", message: "CreateRole answered without an ARN", httpStatus: 200) }
        return arn
    }

    /// The customer changes the role's trust (here: to another external ID).
    public func trust(roleARN: String, externalID: String) async throws {
        try await trust(roleARN: roleARN, document: trustPolicy(externalID: externalID))
    }

    /// The customer replaces the role's trust policy with `document`.
    public func trust(roleARN: String, document: String) async throws {
        _ = try await iam.call("UpdateAssumeRolePolicy", [("RoleName", String(roleARN.split(separator: "/").last!)), ("PolicyDocument", document)])
    }

    /// A trust policy that lets the platform in with no condition at all: the confused deputy.
    public var unconditionalTrustPolicy: String {
        #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"\#(platformPrincipal)"},"Action":"sts:AssumeRole"}]}"#
    }
}
