import Database
import Domain
import FoundationEssentials

/// Fetches a run's configuration into its folder.
public struct RunSources: Sendable {
    public init() {}

    func fetch(_ run: ClaimedRun, into directory: RunDirectory, log: RunLog, session: some DatabaseSession) async throws {
        switch run.source.kind {
        case .files:
            guard let stored = run.files else { throw RunSourceError(description: "the run's uploaded files are missing") }
            let files = try RunSourceFiles(try stored.decode([String: String].self))
            try directory.write(files: files)
            log.note("source: \(files.files.count) uploaded file(s)")
        case .git:
            throw RunSourceError(description: "Git sources are not available yet; upload the files")
        }
    }
}

struct RunSourceError: Error, CustomStringConvertible {
    let description: String
}
