import Database
import Domain
import Foundation
import GitTokens
import Runtime

/// Fetches a run's configuration into its folder: the uploaded files, or a shallow clone of the
/// Git repository with the requesting user's provider token (`getValidProviderToken`: refreshed
/// first when it is about to expire). The token reaches `git` in its environment only, as an
/// HTTP header (never in a URL, an argument, `.git/config` or the log).
public struct RunSources: Sendable {
    let vault: ProviderTokenVault
    let providers: GitProviderClient
    let git: String?
    let path: String

    public init(environment: Environment) throws {
        vault = try ProviderTokenVault(environment: environment)
        providers = GitProviderClient(environment: environment)
        path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        git = environment["GIT_PATH"] ?? TerraformRunner.find("git", in: path)
    }

    /// The folder holding the configuration, where Terraform runs.
    func fetch(_ run: ClaimedRun, into directory: RunDirectory, log: RunLog, grace: Duration, stop: StopSignal, session: some DatabaseSession) async throws -> String {
        switch run.source.kind {
        case .files, .archive:
            guard let stored = run.files else { throw RunSourceError(description: "the run's uploaded files are missing") }
            let files = try RunSourceFiles(try stored.decode([String: String].self))
            try directory.write(files: files)
            log.note("source: \(files.files.count) uploaded file(s)\(run.source.kind == .archive ? " from an archive" : "")")
            return directory.work
        case .git:
            guard let source = run.source.git else { throw RunSourceError(description: "the run's Git source is incomplete") }
            return try await clone(source, requester: run.requestedBy, into: directory, log: log, grace: grace, stop: stop, session: session)
        }
    }

    private func clone(_ source: GitSource, requester: UUID?, into directory: RunDirectory, log: RunLog, grace: Duration, stop: StopSignal,
                       session: some DatabaseSession) async throws -> String {
        guard let git else { throw RunSourceError(description: "git was not found: set GIT_PATH or put it on PATH (on Lambda, the layer's /opt/bin)") }
        guard let requester else { throw RunSourceError(description: "the user who requested the run no longer exists") }
        let name = source.provider.displayName
        let token: String
        switch try await vault.validToken(owner: requester, provider: source.provider, session: session) {
        case .token(let valid): token = valid.accessToken
        case .notFound: throw RunSourceError(description: "the requester has no \(name) token: sign in with \(name) (or store one) and start the run again")
        case .needsReauth(let reason), .notConfigured(let reason): throw RunSourceError(description: "the requester's \(name) token cannot be used: \(reason)")
        case .unavailable(let reason): throw RunSourceError(description: "\(name) could not be reached to refresh the requester's token: \(reason)")
        }
        let header = "Authorization: Basic " + Data("\(source.basicAuthUser):\(token)".utf8).base64EncodedString()
        log.redact([token, header])
        let url = "\(providers.baseURL(of: source.provider))/\(source.repository).git"
        log.note("source: \(url)\(source.ref.map { " at \($0)" } ?? "")\(source.path.map { ", folder \($0)" } ?? "")")
        var environment = ["PATH": path, "HOME": directory.home, "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1",
                           "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader", "GIT_CONFIG_VALUE_0": header]
        if let certificates = ProcessInfo.processInfo.environment["SSL_CERT_FILE"] { environment["GIT_SSL_CAINFO"] = certificates }
        let arguments = ["clone", "--quiet", "--depth", "1"] + (source.ref.map { ["--branch", $0] } ?? []) + ["--", url, directory.work]
        let cloned = try await ProcessGroup(executable: git, terraformDirectory: nil, environment: environment, grace: grace)
            .run(arguments, output: { log.append($0) }, stop: { stop.reason != nil })
        guard cloned == .exited(0) else { throw RunSourceError(description: "git could not clone \(url)\(source.ref.map { " at \($0)" } ?? "") (see the log)") }
        let folder = directory.work + (source.path.map { "/" + $0 } ?? "")
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw RunSourceError(description: "the repository has no folder \(source.path ?? "")")
        }
        return folder
    }
}

struct RunSourceError: Error, CustomStringConvertible {
    let description: String
}
