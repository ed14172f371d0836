import Database
import Domain
import FoundationEssentials

/// A run as its runner took it from the queue.
struct ClaimedRun: Sendable {
    let id: UUID
    let workspace: UUID
    let identity: UUID
    let stack: TerraformStack
    let command: TerraformCommand
    let source: RunSource
    /// The uploaded files of a `files` source.
    let files: JSONText?
    /// The run's variables as a `.tfvars.json` document.
    let variables: String
    let requestedBy: UUID?

    init(id: UUID, row: Row) throws {
        self.id = id
        workspace = try row["organization_id"]
        identity = try row["cloud_identity_id"]
        guard let stack = TerraformStack(try row["stack"]), let command = TerraformCommand(rawValue: try row["command"]) else {
            throw DatabaseError.decoding("the run's stack or command is not one the platform knows")
        }
        self.stack = stack
        self.command = command
        source = try (try row["source"] as JSONText).decode(RunSource.self)
        files = try row["source_files"]
        variables = (try row["variables"] as JSONText).text
        requestedBy = try row["requested_by"]
    }
}
