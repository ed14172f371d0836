import ArgumentParser
import CLIClient
import Foundation

struct Scans: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start a scan and watch it, or list the workspace's scans.",
        subcommands: [Start.self, List.self, Watch.self], defaultSubcommand: List.self)

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Scan a cloud identity now; with --watch, follow it until it is done.")
        @OptionGroup var profileOption: ProfileOption
        @Option(help: "An ID or a name.") var workspace: String?
        @Option(help: "The identity's ID or name.") var identity: String
        @Flag(help: "Follow the scan until it is done.") var watch = false

        func run() throws {
            let context = profileOption.context
            let api = try context.api(), token = try context.tokens.current()
            let id = try IdentityChoice(api: api, token: token).resolve(identity) { try context.workspace(workspace).id }
            let scan = try api.call("POST", "/api/cloud-identities/\(id)/scans", bearer: token).object
            let scanID = (scan["id"] as? String ?? "").lowercased()
            output(scanID)
            if watch { try Watch.follow(context: context, workspace: workspace, identity: id, scan: scanID) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The workspace's scans, newest first.")
        @OptionGroup var profileOption: ProfileOption
        @Option(help: "An ID or a name.") var workspace: String?
        @Option(help: "Only this identity's (ID or name).") var identity: String?
        @Option(help: "How many (1-200).") var limit = 20
        @Flag(help: "JSON for scripts.") var json = false

        func run() throws {
            let context = profileOption.context
            let api = try context.api(), token = try context.tokens.current()
            let workspaceID = try context.workspace(workspace).id
            var query = "organization_id=\(workspaceID)&limit=\(min(max(limit, 1), 200))"
            if let identity { query += "&cloud_identity_id=\(try IdentityChoice(api: api, token: token).resolve(identity) { workspaceID })" }
            let items = try api.call("GET", "/api/scans?\(query)", bearer: token).items
            if json { return jsonOutput(items) }
            table(["ID", "IDENTITY", "STATUS", "RESOURCES", "FAILED", "QUEUED", "FINISHED"], items.map {
                [($0["id"] as? String ?? "").lowercased(), ($0["cloud_identity_id"] as? String ?? "").lowercased(), $0["status"] as? String ?? "",
                 ($0["resource_count"] as? Int).map(String.init) ?? "-", ($0["failed_finding_count"] as? Int).map(String.init) ?? "-",
                 $0["queued_at"] as? String ?? "", $0["finished_at"] as? String ?? "-"]
            })
        }
    }

    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Follow a scan until it is done; exits 1 if it failed.")
        @OptionGroup var profileOption: ProfileOption
        @Option(help: "An ID or a name.") var workspace: String?
        @Argument(help: "The scan's ID.") var scan: String

        func run() throws {
            guard UUID(uuidString: scan) != nil else { throw CLIError.usage("the scan ID must be a UUID (zcp scans)") }
            try Self.follow(context: profileOption.context, workspace: workspace, identity: nil, scan: scan.lowercased())
        }

        static func follow(context: CommandContext, workspace: String?, identity: String?, scan: String) throws {
            let workspaceID = try context.workspace(workspace).id
            let interactive = isatty(2) == 1
            let started = Date()
            var last = ""
            while true {
                let token = try context.tokens.current()
                var query = "organization_id=\(workspaceID)&limit=200"
                if let identity { query += "&cloud_identity_id=\(identity)" }
                guard let row = try context.api().call("GET", "/api/scans?\(query)", bearer: token).items
                    .first(where: { ($0["id"] as? String)?.lowercased() == scan }) else {
                    throw CLIError.failure("no scan \(scan) in the workspace")
                }
                let status = row["status"] as? String ?? "?"
                let line = "scan \(status)" + ((row["resource_count"] as? Int).map { ", \($0) resources" } ?? "")
                    + ((row["failed_finding_count"] as? Int).map { ", \($0) failed checks" } ?? "") + " (\(Int(Date().timeIntervalSince(started))) s)"
                if interactive { say("\r\u{1B}[K" + line) } else if line.prefix(while: { $0 != "(" }) != last.prefix(while: { $0 != "(" }) { say(line + "\n") }
                last = line
                if ["succeeded", "partial", "failed", "cancelled"].contains(status) {
                    if interactive { say("\n") }
                    if status == "failed" || status == "cancelled" { throw CLIError.failure("the scan \(status)\((row["error"] as? String).map { ": \($0)" } ?? "")") }
                    return
                }
                Thread.sleep(forTimeInterval: 2)
            }
        }
    }
}

struct Findings: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The workspace's findings, most severe first.")

    @OptionGroup var profileOption: ProfileOption
    @Option(help: "An ID or a name.") var workspace: String?
    @Option(help: "Only this identity's (ID or name).") var identity: String?
    @Option(help: "Comma-separated: critical,high,medium,low,informational.") var severity: String?
    @Option(help: "PASS or FAIL (default FAIL).") var status = "FAIL"
    @Option(help: "Comma-separated services, e.g. s3,iam.") var service: String?
    @Option(help: "open or resolved.") var state: String?
    @Option(help: "How many (1-200).") var limit = 50
    @Flag(help: "JSON for scripts.") var json = false

    func run() throws {
        let context = profileOption.context
        let api = try context.api(), token = try context.tokens.current()
        let workspaceID = try context.workspace(workspace).id
        var query = [("organization_id", workspaceID), ("status", status), ("limit", String(min(max(limit, 1), 200)))]
        if let identity { query.append(("cloud_identity_id", try IdentityChoice(api: api, token: token).resolve(identity) { workspaceID })) }
        if let severity { query.append(("severity", severity)) }
        if let service { query.append(("service", service)) }
        if let state { query.append(("state", state)) }
        let items = try api.call("GET", "/api/findings?" + query.map { "\($0.0)=\(percentEncodedQuery($0.1))" }.joined(separator: "&"), bearer: token).items
        if json { return jsonOutput(items) }
        table(["SEVERITY", "STATUS", "CHECK", "RESOURCE", "REGION"], items.map {
            [$0["severity"] as? String ?? "", $0["status"] as? String ?? "", $0["check_id"] as? String ?? "",
             $0["resource_arn"] as? String ?? "", $0["region"] as? String ?? "-"]
        })
    }
}

func percentEncodedQuery(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~,"))) ?? text
}
