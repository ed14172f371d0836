import AWSTestSupport
import Foundation
@_spi(Privileged) import Database

/// A workspace whose AWS account is connected through the gateway, ready to be scanned.
struct ScanWorkspace {
    let organization: UUID
    let identity: UUID
    let role: String
    let admin: (id: UUID, token: String)

    static let regions = "us-east-1,eu-west-1"

    init(gateway: GatewayProcess, owner: Database, account: CustomerAccount) async throws {
        admin = try await makeSignedInUser(owner: owner)
        organization = try await makeWorkspace(owner: owner, member: admin.id, role: "owner")
        role = try await account.role(for: organization, policies: ["SecurityAudit", "job-function/ViewOnlyAccess"])
        let connected = try connect(gateway, organization, role, bearer: admin.token)
        guard connected.status == 201, let id = (connected.json["id"] as? String).flatMap(UUID.init(uuidString:)) else {
            throw ConnectFailed(status: connected.status, answer: "\(connected.json)")
        }
        identity = id
    }
}

struct ConnectFailed: Error {
    let status: Int
    let answer: String
}

/// Polls `condition` every 200 ms until it holds or `seconds` pass.
func eventually(seconds: Double = 120, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(200))
    }
    return false
}
