import ArgumentParser
import CLIClient
import Foundation

/// Which cloud identity's credentials (`credentials`, `exec`).
struct IdentityOptions: ParsableArguments {
    @Option(help: "The cloud identity: its ID, or its name, role name, role ARN or account ID in the workspace.")
    var identity: String
    @Option(help: "The workspace to look the identity up in (an ID or a name).")
    var workspace: String?

    func credentials(_ context: CommandContext) -> CloudCredentials {
        CloudCredentials(tokens: context.tokens, workspace: workspace ?? context.environment["ZCP_WORKSPACE"])
    }
}

/// For `~/.aws/config`: `credential_process = zcp credentials --identity prod`. Prints the JSON on
/// stdout and nothing else; never starts a login (there is no terminal there): when one is
/// needed it fails at once with exit 4 and one line on stderr.
struct Credentials: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print AWS credential_process JSON (Version 1) for a cloud identity; cached while more than 15 minutes are left.")

    @OptionGroup var profileOption: ProfileOption
    @OptionGroup var target: IdentityOptions

    func run() throws {
        let context = profileOption.context
        let credentials = try target.credentials(context).aws(identity: target.identity, cached: true)
        output(credentials.credentialProcessJSON)
    }
}

/// Runs a command with credentials that renew themselves for as long as it runs and never touch
/// the disk: a loopback credential server, announced the way the AWS SDKs already understand.
struct Exec: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a command with a cloud identity's credentials, renewed while it runs (zcp exec --identity prod -- terraform apply).")

    @OptionGroup var profileOption: ProfileOption
    @OptionGroup var target: IdentityOptions
    @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.")
    var command: [String] = []

    func run() throws {
        guard !command.isEmpty else { throw CLIError.usage("give the command to run after --, e.g. zcp exec --identity prod -- aws s3 ls") }
        let context = profileOption.context
        let source = target.credentials(context), identity = target.identity
        let server = try CredentialServer { try source.aws(identity: identity, cached: false) }
        // The first set now: a wrong identity or an ended login fails here, not inside the command.
        _ = try server.fresh()
        server.start()
        var environment = context.environment
        // Anything that would win over the container provider in the SDKs' chain goes.
        for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
                     "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"] {
            environment[name] = nil
        }
        environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
        environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = server.url
        environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = server.authorizationToken
        environment["ZCP_IDENTITY"] = target.identity
        throw ExitCode(try ChildCommand.run(command, environment: environment))
    }
}

/// git's credential helper: `git config --global credential.https://github.com.helper "!zcp git-credential"`.
struct GitCredential: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "git-credential",
        abstract: "git's credential helper: answers with your Git provider token, fresh from the platform.")

    @OptionGroup var profileOption: ProfileOption
    @Option(help: "github, gitlab or bitbucket (default: from the host; needed for self-hosted ones).")
    var provider: String?
    @Argument(help: "What git asks: get, store or erase.")
    var operation: String

    func run() throws {
        var input = ""
        while let line = readLine(strippingNewline: false) {
            if line == "\n" || line.isEmpty { break }
            input += line
        }
        // The platform keeps the token; nothing to store or erase here.
        guard operation == "get" else { return }
        let attributes = GitCredentialHelper.attributes(input)
        guard let provider = provider ?? GitCredentialHelper.provider(host: attributes["host"]) else {
            throw CLIError.usage("no provider for \(attributes["host"] ?? "this host"): configure the helper with --provider github|gitlab|bitbucket")
        }
        guard ["github", "gitlab", "bitbucket"].contains(provider) else { throw CLIError.usage("provider must be github, gitlab or bitbucket") }
        let context = profileOption.context
        let answer = try context.api().call("GET", "/api/provider-tokens/\(provider)", bearer: try context.tokens.current())
        guard let token = answer.object["access_token"] as? String else { throw CLIError.failure("the platform sent no \(provider) token") }
        FileHandle.standardOutput.write(Data(GitCredentialHelper.answer(provider: provider, token: token).utf8))
    }
}
