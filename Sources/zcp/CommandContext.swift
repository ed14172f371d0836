import ArgumentParser
import CLIClient
import Foundation

/// `--profile`, on every command: several platforms or users side by side (`ZCP_PROFILE`).
struct ProfileOption: ParsableArguments {
    @Option(name: .long, help: "The login to use (default: $ZCP_PROFILE, else \"default\").")
    var profile: String?

    var context: CommandContext { CommandContext(profile: profile) }
}

/// What a command needs: the profile's stored session and valid access tokens.
struct CommandContext {
    let environment = ProcessInfo.processInfo.environment
    let profile: String
    let store: SessionStore
    let tokens: AccessTokens

    init(profile requested: String?) {
        let environment = ProcessInfo.processInfo.environment
        profile = requested ?? environment["ZCP_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        store = SessionStore(profile: profile, directory: ConfigDirectory(environment: environment),
                             keyring: SystemKeyring.available(environment: environment), notice: { say("note: \($0)\n") })
        tokens = AccessTokens(store: store, environment: environment)
    }

    func api() throws -> PlatformAPI { try tokens.api() }

    /// The workspace for commands that act on one (`--workspace`, `ZCP_WORKSPACE`, the profile's default, the only one).
    func workspace(_ requested: String?) throws -> (id: String, name: String) {
        let token = try tokens.current()
        let stored = tokens.environmentToken == nil ? try tokens.session().workspace : nil
        return try WorkspaceChoice(api: try api(), token: token).resolve(requested ?? environment["ZCP_WORKSPACE"] ?? stored)
    }
}

/// Talk to the person on stderr; stdout is for results only.
func say(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

/// Results on stdout.
func output(_ text: String) {
    FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
}

func jsonOutput(_ value: Any) {
    let data = (try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data("null".utf8)
    output(String(decoding: data, as: UTF8.self))
}

/// A plain aligned table (what a terminal user reads; `--json` is for scripts).
func table(_ header: [String], _ rows: [[String]]) {
    let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
    for row in [header] + rows {
        output(row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: "  ")
            .trimmingCharacters(in: .whitespaces))
    }
}
