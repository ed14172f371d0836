import ArgumentParser
import CLIClient
import Foundation

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Who is logged in, to which platform and workspace, with which session, until when.")

    @OptionGroup var profileOption: ProfileOption
    @Flag(help: "Show the tokens in full.")
    var showToken = false

    func run() throws {
        let context = profileOption.context
        if let token = context.tokens.environmentToken {
            let claims = TokenAnswer.claims(of: token)
            output("Profile:        \(context.profile) (ZCP_TOKEN is set: the stored login is not used)")
            output("User:           \(claims["sub"] as? String ?? "?")")
            output("Access token:   \(masked(token))")
            return
        }
        guard try context.store.load() != nil else {
            throw CLIError.authenticationRequired("not logged in (profile \(context.profile)): run `zcp login`")
        }
        // Refreshes if needed, so what is shown is what the next command will use.
        let token = try context.tokens.current()
        let session = try context.tokens.session()
        let live = try? PlatformAPI(baseURL: session.apiURL).call("GET", "/api/auth/cli/sessions", bearer: token).items
            .first { $0["current"] as? Bool == true }
        output("Profile:        \(context.profile), kept in \(try context.store.storageDescription() ?? "?")")
        output("Platform:       \(session.apiURL)")
        output("User:           \(session.userID)")
        output("Session:        \(session.sessionID) (\(session.clientName))\(live.flatMap { $0["expires_at"] as? String }.map { ", ends \($0) unless used" } ?? "")")
        output("Workspace:      \(context.environment["ZCP_WORKSPACE"] ?? session.workspace ?? "none chosen (zcp workspaces use)")")
        output("Access token:   \(masked(session.accessToken)) (until \(ISO8601DateFormatter().string(from: session.accessTokenExpiresAt)); refreshed when needed)")
        output("Refresh token:  \(masked(session.refreshToken))")
        let cached = session.awsCredentials.filter { $0.value.isFresh() }
        if !cached.isEmpty { output("AWS credentials cached for: \(cached.keys.sorted().joined(separator: ", "))") }
    }

    /// Like gh: the token's kind stays readable (`zcp_rt_`, `eyJ…`), the secret part does not.
    func masked(_ token: String) -> String {
        if showToken { return token }
        if token.hasPrefix("zcp_rt_") { return "zcp_rt_****" }
        return String(token.prefix(6)) + "****"
    }
}

struct Sessions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Your CLI sessions on the platform, by device; end one with `zcp sessions revoke <id>`.",
        subcommands: [List.self, Revoke.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List your live CLI sessions.")
        @OptionGroup var profileOption: ProfileOption
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let context = profileOption.context
            let items = try context.api().call("GET", "/api/auth/cli/sessions", bearer: try context.tokens.current()).items
            if json { return jsonOutput(items) }
            table(["ID", "NAME", "CREATED", "LAST USED", "ENDS", ""], items.map {
                [($0["id"] as? String ?? "").lowercased(), $0["client_name"] as? String ?? "", $0["created_at"] as? String ?? "", $0["last_used_at"] as? String ?? "",
                 $0["expires_at"] as? String ?? "", $0["current"] as? Bool == true ? "(this one)" : ""]
            })
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End one of your CLI sessions (its tokens stop working at once).")
        @OptionGroup var profileOption: ProfileOption
        @Argument(help: "The session's ID (zcp sessions).") var id: String

        func run() throws {
            guard UUID(uuidString: id) != nil else { throw CLIError.usage("the session ID must be a UUID (zcp sessions)") }
            let context = profileOption.context
            try context.api().call("DELETE", "/api/auth/cli/sessions/\(id)", bearer: try context.tokens.current())
            say("Session \(id) ended.\n")
        }
    }
}
