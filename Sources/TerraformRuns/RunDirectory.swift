import Domain
import Foundation

/// A run's private folder under the temporary directory, deleted afterwards:
///
///     zcp-run-<id>/            0700
///       work/                  the configuration (uploaded files or the cloned repository)
///       …/zzz_zcp_backend_override.tf       beside the configuration: the state is the local file below, whatever it declares
///       terraform.tfstate      the stack's state, from the platform's store and back to it
///       variables.tfvars.json  the run's variables
///       plan.tfplan            the plan an apply applies
///       cli.tfrc               where providers come from (the configured mirror)
///       home/                  HOME for Terraform: nothing of the runner's own leaks in
///
/// No credential is ever written here: Terraform gets them in its environment only.
struct RunDirectory {
    let root: String
    var work: String { root + "/work" }
    var state: String { root + "/terraform.tfstate" }
    var variables: String { root + "/variables.tfvars.json" }
    var plan: String { root + "/plan.tfplan" }
    var cliConfiguration: String { root + "/cli.tfrc" }
    var home: String { root + "/home" }

    static func make(run: UUID, temporary: String) throws -> RunDirectory {
        let directory = RunDirectory(root: temporary + "/zcp-run-" + run.uuidString.lowercased())
        try? FileManager.default.removeItem(atPath: directory.root)  // a previous attempt's, if its runner died
        for folder in [directory.root, directory.work, directory.home] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        return directory
    }

    func write(files: RunSourceFiles) throws {
        for (path, text) in files.files {
            let target = work + "/" + path
            try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: target))
        }
    }

    /// The platform keeps the state: whatever backend the configuration (in `folder`) names, the
    /// run uses this file.
    func pinLocalBackend(in folder: String) throws {
        let override = """
            # Written by the platform for this run: the state lives in the platform's store.
            terraform {
              backend "local" {
                path = "\(state)"
              }
            }

            """
        try Data(override.utf8).write(to: URL(fileURLWithPath: folder + "/zzz_zcp_backend_override.tf"))
    }

    func write(state bytes: [UInt8]?) throws {
        guard let bytes else { return }
        try Data(bytes).write(to: URL(fileURLWithPath: state))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: state)
    }

    func readState() -> [UInt8]? {
        FileManager.default.contents(atPath: state).map(Array.init)
    }

    func write(variables json: String) throws {
        try Data(json.utf8).write(to: URL(fileURLWithPath: variables))
    }

    /// Providers only from the mirror, when one is configured (as on Lambda, from a layer).
    func writeCLIConfiguration(providerMirror: String?) throws {
        var text = "disable_checkpoint = true\n"
        if let providerMirror {
            text += """
                provider_installation {
                  filesystem_mirror {
                    path = "\(providerMirror)"
                  }
                }

                """
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: cliConfiguration))
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}
