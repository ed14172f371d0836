import AWSTestSupport
import Domain
import Foundation
import Runtime
import Testing
@_spi(Privileged) import Database

/// A workspace with an owner, a member and a provisioner role deployed from the template and
/// connected with purpose provision — and the calls a user makes about its Terraform runs.
struct ProvisioningWorkspace {
    let gateway: GatewayProcess
    let organization: UUID
    let identity: String
    let roleARN: String
    let admin: (id: UUID, token: String)
    let member: (id: UUID, token: String)
    let connected: [String: Any]

    init(gateway: GatewayProcess, owner: Database, account: CustomerAccount) async throws {
        self.gateway = gateway
        admin = try await makeSignedInUser(owner: owner)
        organization = try await makeWorkspace(owner: owner, member: admin.id, role: "owner")
        member = try await makeSignedInUser(owner: owner)
        _ = try await owner.runAsConnectedRole([
            Statement("INSERT INTO public.memberships (organization_id, user_id, role) VALUES ($1, $2, 'member')", organization, member.id)])
        roleARN = try await account.provisionerRole(externalID: try provisioningExternalID(of: organization).value)
        let body = #"{"organization_id":"\#(organization.uuidString)","role_arn":"\#(roleARN)","purpose":"provision"}"#
        let response = try gateway.request("POST", "/api/cloud-identities", body: body, headers: [("Authorization", "Bearer \(admin.token)")])
        connected = (try? jsonObject(response.body)) ?? [:]
        guard response.status == 201, let id = connected["id"] as? String else {
            throw ConnectFailed(status: response.status, answer: String(decoding: response.body, as: UTF8.self))
        }
        identity = id
    }

    /// `POST /api/cloud-identities/{id}/runs` with uploaded files.
    func start(_ command: String, files: [String: String], stack: String = "default", variables: [String: Any] = [:], bearer: String? = nil) throws -> (status: Int, json: [String: Any]) {
        try start(command, source: ["files": files], stack: stack, variables: variables, bearer: bearer)
    }

    func start(_ command: String, source: [String: Any], stack: String = "default", variables: [String: Any] = [:], bearer: String? = nil) throws -> (status: Int, json: [String: Any]) {
        let body: [String: Any] = ["command": command, "stack": stack, "source": source, "variables": variables]
        let response = try gateway.request("POST", "/api/cloud-identities/\(identity)/runs", body: String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self),
                                           headers: [("Authorization", "Bearer \(bearer ?? admin.token)")])
        return (response.status, (try? jsonObject(response.body)) ?? [:])
    }

    /// The run once it has ended (or as it is after `seconds`).
    func finished(_ run: String, seconds: Double = 300) async throws -> [String: Any] {
        var last: [String: Any] = [:]
        _ = try await eventually(seconds: seconds) {
            last = try jsonObject(try gateway.request("GET", "/api/runs/\(run)", headers: [("Authorization", "Bearer \(admin.token)")]).body)
            return !["queued", "running"].contains(last["status"] as? String ?? "queued")
        }
        return last
    }

    /// The whole log, page by page.
    func log(_ run: String) throws -> String {
        var text = "", after = -1
        while true {
            let page = try jsonObject(try gateway.request("GET", "/api/runs/\(run)/log?after=\(after)&limit=2", headers: [("Authorization", "Bearer \(admin.token)")]).body)
            let chunks = page["chunks"] as? [[String: Any]] ?? []
            text += chunks.compactMap { $0["text"] as? String }.joined()
            after = page["next_after"] as? Int ?? after
            if chunks.isEmpty { return text }
        }
    }
}

/// The provisioning external ID the platform derives for a workspace.
func provisioningExternalID(of organization: UUID) throws -> ExternalID {
    guard let hex = ProcessInfo.processInfo.environment["EXTERNAL_ID_KEY"] else { throw CocoaError(.featureUnsupported) }
    return ExternalID.derive(organization: organization, key: try ExternalID.key(hex: hex), purpose: .provision)
}

/// A configuration for the local AWS endpoint, as a user would write it for their account.
func terraformConfiguration(_ resources: String) throws -> String {
    let endpoint = try #require(ProcessInfo.processInfo.environment["AWS_ENDPOINT_URL"])
    return """
        terraform {
          required_providers {
            aws = { source = "hashicorp/aws", version = "5.100.0" }
          }
        }
        provider "aws" {
          region                      = "us-east-1"
          s3_use_path_style           = true
          skip_requesting_account_id  = true
          endpoints {
            sts = "\(endpoint)"
            iam = "\(endpoint)"
            s3  = "\(endpoint)"
            sqs = "\(endpoint)"
          }
        }
        \(resources)
        """
}
