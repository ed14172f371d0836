import ArgumentParser
import CLIClient
import Foundation

struct Workspaces: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Your workspaces; pick the one commands use by default.",
        subcommands: [List.self, Create.self, Use.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List your workspaces and your role in each.")
        @OptionGroup var profileOption: ProfileOption
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let context = profileOption.context
            let items = try context.api().call("GET", "/api/workspaces", bearer: try context.tokens.current()).items
            if json { return jsonOutput(items) }
            let chosen = context.tokens.environmentToken == nil ? (try? context.tokens.session())?.workspace : nil
            table(["ID", "NAME", "ROLE", ""], items.map {
                let id = ($0["id"] as? String ?? "").lowercased()
                return [id, $0["name"] as? String ?? "", $0["role"] as? String ?? "", id == chosen ? "(default)" : ""]
            })
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a workspace (you are its owner).")
        @OptionGroup var profileOption: ProfileOption
        @Argument(help: "Its name.") var name: String

        func run() throws {
            let context = profileOption.context
            let created = try context.api().call("POST", "/api/workspaces", body: ["name": name], bearer: try context.tokens.current()).object
            output((created["id"] as? String ?? "").lowercased())
            say("Created workspace \(created["name"] as? String ?? name).\n")
        }
    }

    struct Use: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a workspace the default for this profile.")
        @OptionGroup var profileOption: ProfileOption
        @Argument(help: "Its ID or name.") var workspace: String

        func run() throws {
            let context = profileOption.context
            let chosen = try WorkspaceChoice(api: try context.api(), token: try context.tokens.current()).resolve(workspace)
            try context.store.withLock {
                var session = try context.tokens.session()
                session.workspace = chosen.id
                try context.store.save(session)
            }
            say("Commands now use workspace \(chosen.name) (\(chosen.id)).\n")
        }
    }
}

struct Identities: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The workspace's cloud identities: list, connect an AWS role, revoke.",
        subcommands: [List.self, Connect.self, Revoke.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the workspace's cloud identities.")
        @OptionGroup var profileOption: ProfileOption
        @Option(help: "An ID or a name.") var workspace: String?
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let context = profileOption.context
            let chosen = try context.workspace(workspace)
            let items = try context.api().call("GET", "/api/cloud-identities?organization_id=\(chosen.id)", bearer: try context.tokens.current()).items
            if json { return jsonOutput(items) }
            table(["ID", "NAME", "PROVIDER", "ACCOUNT", "STATUS", "ROLE", "LAST SCAN"], items.map {
                [($0["id"] as? String ?? "").lowercased(), $0["display_name"] as? String ?? "", $0["provider"] as? String ?? "",
                 $0["account_id"] as? String ?? "", $0["status"] as? String ?? "", $0["role_arn"] as? String ?? "",
                 ($0["last_scan"] as? [String: Any])?["status"] as? String ?? "-"]
            })
        }
    }

    struct Connect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Connect an AWS account through a role trusting the platform with the workspace's external ID.")
        @OptionGroup var profileOption: ProfileOption
        @Option(help: "An ID or a name.") var workspace: String?
        @Option(help: "The role's ARN (see `zcp identities connect --help` and infra/customer-role.yaml).") var roleArn: String
        @Option(help: "A name to show for it.") var name: String?

        func run() throws {
            let context = profileOption.context
            let chosen = try context.workspace(workspace)
            var body: [String: Any] = ["organization_id": chosen.id, "role_arn": roleArn]
            if let name { body["display_name"] = name }
            let connected = try context.api().call("POST", "/api/cloud-identities", body: body, bearer: try context.tokens.current()).object
            output((connected["id"] as? String ?? "").lowercased())
            say("Connected AWS account \(connected["account_id"] as? String ?? "?") to \(chosen.name).\n")
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a cloud identity: no more credentials or scans, its role data forgotten.")
        @OptionGroup var profileOption: ProfileOption
        @Option(help: "An ID or a name.") var workspace: String?
        @Argument(help: "The identity's ID or name.") var identity: String

        func run() throws {
            let context = profileOption.context
            let api = try context.api(), token = try context.tokens.current()
            let id = try IdentityChoice(api: api, token: token).resolve(identity) { try context.workspace(workspace).id }
            try api.call("DELETE", "/api/cloud-identities/\(id)", bearer: token)
            say("Revoked \(identity).\n")
        }
    }
}
