import ArgumentParser
import CLIClient
import Foundation
import Runtime

/// `zcp`: the platform's command-line client. Log in once in a browser; then every tool gets
/// short-lived cloud credentials from the platform (credential_process, exec), git gets the
/// user's provider token, and the API's everyday commands are a command away.
struct ZCP: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zcp",
        abstract: "The zero-credential platform from a terminal: log in, get cloud credentials for any tool, scan, read findings.",
        discussion: """
            Exit codes: 0 success, 1 an error, 2 a usage error, 4 authentication required (run `zcp login`).
            Environment: ZCP_PROFILE (like --profile), ZCP_API_URL (the platform, for login), ZCP_TOKEN (an access
            token for CI: skips the stored login), ZCP_WORKSPACE (like --workspace), ZCP_CONFIG_DIR (where logins
            are kept, default ~/.config/zcp), ZCP_KEYRING=file (never use the system keyring).
            """,
        subcommands: [
            Login.self, Logout.self, Status.self, Token.self, Sessions.self,
            Credentials.self, Exec.self, GitCredential.self,
            Workspaces.self, Identities.self, Scans.self, Findings.self,
        ]
    )

    /// Runs the command line and exits with gh's codes: usage errors are 2, not ArgumentParser's 64.
    static func runAndExit() -> Never {
        do {
            // HTTPS trust from where zcp runs (SSL_CERT_FILE, else the system's bundle).
            do { try CertificateAuthorities.configure(environment: Environment()) } catch { throw CLIError.failure(error.description) }
            var command = try parseAsRoot()
            try command.run()
            Foundation.exit(0)
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("zcp: \(error.message)\n".utf8))
            Foundation.exit(error.kind.rawValue)
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(CLIError.Kind.usage.rawValue)
        }
    }
}
