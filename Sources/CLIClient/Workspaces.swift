import Foundation

/// Which workspace a command acts on: `--workspace` (an ID or a name), else `ZCP_WORKSPACE`, else
/// the profile's default (`zcp workspaces use`), else the caller's only workspace.
public struct WorkspaceChoice {
    public let api: PlatformAPI
    public let token: String

    public init(api: PlatformAPI, token: String) {
        self.api = api
        self.token = token
    }

    public func all() throws(CLIError) -> [[String: Any]] {
        try api.call("GET", "/api/workspaces", bearer: token).items
    }

    public func resolve(_ requested: String?) throws(CLIError) -> (id: String, name: String) {
        let workspaces = try all()
        func described(_ workspace: [String: Any]) -> (id: String, name: String) {
            ((workspace["id"] as? String ?? "").lowercased(), workspace["name"] as? String ?? "")
        }
        if let requested, !requested.isEmpty {
            let matches = workspaces.filter {
                ($0["id"] as? String)?.lowercased() == requested.lowercased() || ($0["name"] as? String)?.lowercased() == requested.lowercased()
            }
            guard matches.count == 1 else {
                throw .failure(matches.isEmpty ? "no workspace \"\(requested)\" among yours (zcp workspaces)" : "several workspaces are named \"\(requested)\": use its ID")
            }
            return described(matches[0])
        }
        guard workspaces.count == 1 else {
            throw .usage(workspaces.isEmpty
                ? "you are in no workspace yet: create one with `zcp workspaces create <name>`"
                : "you are in \(workspaces.count) workspaces: pass --workspace, or pick a default with `zcp workspaces use <id or name>`")
        }
        return described(workspaces[0])
    }
}

/// A cloud identity by ID, or by name within the chosen workspace (its display name, role name,
/// role ARN or account ID).
public struct IdentityChoice {
    public let api: PlatformAPI
    public let token: String

    public init(api: PlatformAPI, token: String) {
        self.api = api
        self.token = token
    }

    public func resolve(_ requested: String, workspace: () throws -> String) throws -> String {
        if let id = UUID(uuidString: requested) { return id.uuidString.lowercased() }
        let workspaceID = try workspace()
        let identities = try api.call("GET", "/api/cloud-identities?organization_id=\(workspaceID)", bearer: token).items
        let matches = identities.filter { identity in
            let arn = identity["role_arn"] as? String ?? ""
            return [identity["display_name"] as? String, arn, String(arn.split(separator: "/").last ?? ""), identity["account_id"] as? String]
                .contains { $0 == requested }
        }
        guard let match = matches.first, matches.count == 1, let id = match["id"] as? String else {
            throw CLIError.failure(matches.isEmpty
                ? "no cloud identity \"\(requested)\" in the workspace (zcp identities list)"
                : "\"\(requested)\" names \(matches.count) cloud identities: use an ID")
        }
        return id.lowercased()
    }
}
