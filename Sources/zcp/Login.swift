import ArgumentParser
import CLIClient
import Foundation

struct Login: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Log in through the browser: approve this CLI on the platform's page, then type the code it shows.")

    @OptionGroup var profileOption: ProfileOption
    @Option(help: "The platform (default: $ZCP_API_URL, else the profile's, else \(PlatformAPI.defaultURL)).")
    var apiURL: String?
    @Flag(help: "Never try to open a browser; just print the link.")
    var noBrowser = false
    @Option(help: "The name this login shows on the approval page and in `zcp sessions` (default: cli:<user>@<host>).")
    var name: String?

    func run() throws {
        let context = profileOption.context
        if context.tokens.environmentToken != nil {
            throw CLIError.usage("ZCP_TOKEN is set, so the stored login would not be used: unset it first")
        }
        let previous = try? context.store.load()
        let api = PlatformAPI(baseURL: apiURL ?? context.environment["ZCP_API_URL"] ?? previous?.apiURL ?? PlatformAPI.defaultURL)
        let clientName = name ?? LoginFlow.defaultClientName(environment: context.environment)
        let flow = LoginFlow(api: api, clientName: clientName,
                             openBrowser: BrowserLauncher.shouldOpen(environment: context.environment, noBrowser: noBrowser),
                             say: say, ask: { prompt in say(prompt); return readLine(strippingNewline: true) })
        let tokens = try flow.run()
        var session = StoredSession(apiURL: api.baseURL, tokens: tokens, clientName: clientName)
        session.workspace = previous?.apiURL == api.baseURL ? previous?.workspace : nil
        try context.store.save(session)
        // The replaced login's session ends on the platform too, not just here.
        if let previous, previous.apiURL == api.baseURL, previous.sessionID != session.sessionID {
            _ = try? PlatformAPI(baseURL: previous.apiURL).call("POST", "/api/auth/cli/logout", body: ["refresh_token": previous.refreshToken])
        }
        say("Logged in to \(api.baseURL) as \(tokens.userID) (\(clientName)), profile \(context.profile), kept in \(try context.store.storageDescription() ?? "?").\n")
    }
}

struct Logout: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "End the CLI session on the platform, then forget it here.")

    @OptionGroup var profileOption: ProfileOption

    func run() throws {
        let context = profileOption.context
        guard let session = try context.store.load() else {
            say("Not logged in (profile \(context.profile)).\n")
            return
        }
        // The platform first: a session forgotten here but live there would be a leak.
        try PlatformAPI(baseURL: session.apiURL).call("POST", "/api/auth/cli/logout", body: ["refresh_token": session.refreshToken])
        try context.store.remove()
        say("Logged out: the session \(session.clientName) is ended on \(session.apiURL) and forgotten here.\n")
    }
}

struct Token: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a valid access token (refreshed if needed) for scripts.")

    @OptionGroup var profileOption: ProfileOption

    func run() throws {
        output(try profileOption.context.tokens.current())
    }
}
