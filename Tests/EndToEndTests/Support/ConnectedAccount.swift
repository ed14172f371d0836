import AWSTestSupport
import Domain
import Foundation
import Runtime

/// The external ID the platform derives for a workspace (from the EXTERNAL_ID_KEY `make test` made).
func externalID(of organization: UUID) throws -> ExternalID {
    guard let hex = ProcessInfo.processInfo.environment["EXTERNAL_ID_KEY"] else { throw CocoaError(.featureUnsupported) }
    return ExternalID.derive(organization: organization, key: try ExternalID.key(hex: hex))
}

/// `POST /api/cloud-identities` as the user with `bearer`: the status and the JSON answer.
func connect(_ gateway: GatewayProcess, _ organization: UUID, _ roleARN: String, bearer: String) throws -> (status: Int, json: [String: Any]) {
    let body = #"{"organization_id":"\#(organization.uuidString)","role_arn":"\#(roleARN)"}"#
    let response = try gateway.request("POST", "/api/cloud-identities", body: body, headers: [("Authorization", "Bearer \(bearer)")])
    return (response.status, (try? jsonObject(response.body)) ?? [:])
}

extension CustomerAccount {
    /// A customer role trusting the platform with the workspace's external ID.
    func role(for organization: UUID, policies: [String], inline: Bool = false) async throws -> String {
        try await makeRole(externalID: try externalID(of: organization).value, policies: policies, inlineWritePolicy: inline)
    }
}
