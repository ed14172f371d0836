@testable import AWSAPI
import AWSTestSupport
import Foundation
import Runtime
import Testing
@_spi(Privileged) import Database

/// Terraform runs through the gateway: a provisioner role deployed from the template, the real
/// `terraform` with the hashicorp/aws provider from this machine's mirror, against moto with IAM
/// authorization on.
@Suite(.serialized) final class TerraformRunTests: @unchecked Sendable {
    let gateway: GatewayProcess
    let owner: Database
    let account: CustomerAccount

    init() throws {
        // Two runners at once, so two applies of one stack can meet at its lock.
        gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8), concurrency: 2,
                                     environment: ["RUN_CANCELLATION_CHECK_MILLISECONDS": "300"])
        owner = try Database(url: try #require(ProcessInfo.processInfo.environment["MIGRATION_DATABASE_URL"]), applicationName: "terraform-run-tests")
        account = try CustomerAccount()
    }

    /// apply creates a bucket and a queue through the provisioner role; a plan after it shows no
    /// changes (the state was kept); destroy removes them. A configuration that prints its own
    /// credentials finds them redacted in the log, and neither the log nor the database holds them.
    @Test func applyPlanAndDestroyThroughTheProvisionerRole() async throws {
        let workspace = try await ProvisioningWorkspace(gateway: gateway, owner: owner, account: account)
        #expect(workspace.connected["purpose"] as? String == "provision")
        let services = workspace.connected["services"] as? [String] ?? []
        #expect(services.contains("s3") && services.contains("sqs") && services.contains("ec2"), "\(services)")

        let name = "zcp-run-\(UUID().uuidString.prefix(8).lowercased())"
        let leak = FileManager.default.temporaryDirectory.appendingPathComponent("leaked-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: leak) }
        let files = ["main.tf": try terraformConfiguration("""
            variable "name" { type = string }
            resource "aws_s3_bucket" "data" { bucket = var.name }
            resource "aws_sqs_queue" "jobs" { name = var.name }
            # A configuration can read its own credentials: they must not reach the log.
            resource "terraform_data" "credentials" {
              provisioner "local-exec" {
                command = "echo key=$AWS_ACCESS_KEY_ID secret=$AWS_SECRET_ACCESS_KEY token=$AWS_SESSION_TOKEN; printf '%s\\n%s\\n%s\\n' \\"$AWS_ACCESS_KEY_ID\\" \\"$AWS_SECRET_ACCESS_KEY\\" \\"$AWS_SESSION_TOKEN\\" > \(leak)"
              }
            }
            """)]
        let started = try workspace.start("apply", files: files, stack: "queues", variables: ["name": name])
        #expect(started.status == 202, "\(started.json)")
        #expect(started.json["status"] as? String == "queued")
        let run = try #require(started.json["id"] as? String)
        let applied = try await workspace.finished(run)
        let log = try workspace.log(run)
        #expect(applied["status"] as? String == "succeeded", "\(applied) \(log)")
        #expect(applied["exit_code"] as? Int == 0)
        let summary = applied["plan_summary"] as? [String: Any]
        #expect(summary?["add"] as? Int == 3 && summary?["change"] as? Int == 0 && summary?["destroy"] as? Int == 0, "\(applied)")
        #expect(log.contains("Apply complete! Resources: 3 added"), "\(log)")
        #expect(log.contains("key=[redacted] secret=[redacted] token=[redacted]"), "\(log)")

        // In the customer's account, made by the provisioner role's session.
        let s3 = S3Client(region: "us-east-1", credentials: account.administrator)
        #expect(try await s3.request("HEAD", bucket: name).status == 200)
        let sqs = AWSQueryClient(service: "sqs", version: "2012-11-05", region: "us-east-1", credentials: account.administrator)
        #expect(try await sqs.call("GetQueueUrl", [("QueueName", name)]).value("QueueUrl") != nil)

        // The credentials the run had: in neither the log nor the database, nor the working folder (gone).
        let credentials = try String(contentsOfFile: leak, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(credentials.count == 3 && credentials.allSatisfy { $0.count >= 16 }, "\(credentials)")
        for value in credentials { #expect(!log.contains(value)) }
        let dump = try databaseDump()
        for value in credentials { #expect(!dump.contains(value), "a credential is in the database") }
        let sealed = try await owner.runAsConnectedRole([Statement("""
            SELECT position('aws_s3_bucket'::bytea IN state_ciphertext) = 0 AS sealed FROM public.terraform_states WHERE organization_id = $1 AND stack = 'queues'
            """, workspace.organization)])[0].rows
        #expect(try sealed.map { try $0["sealed"] as Bool } == [true], "the state is sealed at rest")
        #expect(!FileManager.default.fileExists(atPath: NSTemporaryDirectory() + "zcp-run-\(run)"))
        let audit = try await owner.runAsConnectedRole([Statement("""
            SELECT details->>'purpose' AS purpose FROM public.audit_events
            WHERE action = 'cloud_identity.credentials_issued' AND details->>'run_id' = $1
            """, run.lowercased())])[0].rows
        let purposes = try audit.map { try $0["purpose"] as String }
        #expect(purposes == ["provisioning"], "the issuance is audited with the run")

        let plan = try workspace.start("plan", files: files, stack: "queues", variables: ["name": name])
        let planned = try await workspace.finished(try #require(plan.json["id"] as? String))
        #expect(planned["status"] as? String == "succeeded", "\(planned)")
        let unchanged = planned["plan_summary"] as? [String: Any]
        #expect(unchanged?["add"] as? Int == 0 && unchanged?["change"] as? Int == 0 && unchanged?["destroy"] as? Int == 0, "\(planned)")

        let destroy = try workspace.start("destroy", files: files, stack: "queues", variables: ["name": name])
        let destroyed = try await workspace.finished(try #require(destroy.json["id"] as? String))
        #expect(destroyed["status"] as? String == "succeeded", "\(destroyed)")
        #expect((destroyed["plan_summary"] as? [String: Any])?["destroy"] as? Int == 3)
        await #expect(throws: AWSError.self, "the bucket is gone") { try await s3.request("HEAD", bucket: name) }

        let listed = try jsonObject(try gateway.request("GET", "/api/runs?organization_id=\(workspace.organization)", headers: [("Authorization", "Bearer \(workspace.member.token)")]).body)
        #expect((listed["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [destroy.json["id"] as? String, plan.json["id"] as? String, run].compactMap { $0 })
    }

    /// A user without Git uploads the folder as `tar czf … | base64`: modules in subfolders work,
    /// the hidden files of a working copy are left out, and hostile archives are refused at once.
    @Test func aFolderUploadedAsAnArchiveIsApplied() async throws {
        let workspace = try await ProvisioningWorkspace(gateway: gateway, owner: owner, account: account)
        let name = "zcp-archive-\(UUID().uuidString.prefix(8).lowercased())"
        let archive = try archiveOfFolder([
            "main.tf": try terraformConfiguration("""
                module "queue" {
                  source = "./modules/queue"
                  name   = "\(name)"
                }
                """),
            "modules/queue/main.tf": "variable \"name\" {}\nresource \"aws_sqs_queue\" \"this\" { name = var.name }\n",
            ".terraform.lock.hcl": "# pins from the user's machine\n",
        ])
        let started = try workspace.start("apply", source: ["archive": archive])
        #expect(started.status == 202, "\(started.json)")
        #expect((started.json["source"] as? [String: Any])?["kind"] as? String == "archive", "\(started.json)")
        let run = try #require(started.json["id"] as? String)
        let applied = try await workspace.finished(run)
        let log = try workspace.log(run)
        #expect(applied["status"] as? String == "succeeded", "\(applied) \(log)")
        #expect(log.contains("2 uploaded file(s) from an archive"), "\(log)")
        let sqs = AWSQueryClient(service: "sqs", version: "2012-11-05", region: "us-east-1", credentials: account.administrator)
        #expect(try await sqs.call("GetQueueUrl", [("QueueName", name)]).value("QueueUrl") != nil)

        for (folder, expected) in [
            (["main.tf": "", "link.tf": "->/etc/passwd"], "link.tf', a symbolic link"),
            (["main.tf": "", "zeros.tf": "->zeros"], "inflates to more than"),
        ] as [([String: String], String)] {
            let refused = try workspace.start("plan", source: ["archive": try archiveOfFolder(folder)])
            #expect(refused.status == 400, "\(refused.json)")
            #expect((refused.json["error_description"] as? String)?.contains(expected) == true, "\(refused.json)")
        }
        let notAnArchive = try workspace.start("plan", source: ["archive": Data("resource {}".utf8).base64EncodedString()])
        #expect(notAnArchive.status == 400 && (notAnArchive.json["error_description"] as? String)?.contains("not a tar archive") == true, "\(notAnArchive.json)")
        let notBase64 = try workspace.start("plan", source: ["archive": "%%%"])
        #expect(notBase64.status == 400 && (notBase64.json["error_description"] as? String)?.contains("base64") == true, "\(notBase64.json)")
    }

    /// `tar czf - -C <folder> . | base64 -w0`, as the README tells users. A text "->target" makes a
    /// symbolic link; "->zeros" a file of 64 MiB of zeros (which gzip squeezes to a few KiB).
    func archiveOfFolder(_ files: [String: String]) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("upload-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        for (path, text) in files {
            let url = folder.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if text == "->zeros" {
                #expect(try runProgram("/usr/bin/env", arguments: ["sh", "-c", "head -c 67108864 /dev/zero > '\(url.path)'"]).status == 0)
            } else if text.hasPrefix("->") {
                try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: String(text.dropFirst(2)))
            } else {
                try text.write(to: url, atomically: false, encoding: .utf8)
            }
        }
        let archived = try runProgram("/usr/bin/env", arguments: ["sh", "-c", "tar czf - -C '\(folder.path)' . | base64 -w0"])
        #expect(archived.status == 0, "\(archived.standardError)")
        return archived.standardOutput
    }

    @Test func anActionOutsideTheRolesPermissionsFailsTheRunWithAccessDenied() async throws {
        let workspace = try await ProvisioningWorkspace(gateway: gateway, owner: owner, account: account)
        let files = ["main.tf": try terraformConfiguration(#"resource "aws_iam_user" "backdoor" { name = "backdoor-\#(UUID().uuidString.prefix(6))" }"#)]
        let started = try workspace.start("apply", files: files)
        let run = try #require(started.json["id"] as? String)
        let failed = try await workspace.finished(run)
        #expect(failed["status"] as? String == "failed")
        #expect(failed["exit_code"] as? Int == 1)
        let log = try workspace.log(run)
        #expect((failed["error"] as? String)?.contains("AccessDenied") == true, "\(failed) \(log)")
        #expect(log.contains("AccessDenied"), "\(log)")
    }

    /// Two applies of one stack at once: the second waits for the first's lock, so their
    /// lock-to-finish intervals never overlap.
    @Test func twoAppliesOfOneStackNeverInterleave() async throws {
        let workspace = try await ProvisioningWorkspace(gateway: gateway, owner: owner, account: account)
        let files = ["main.tf": try terraformConfiguration("""
            resource "terraform_data" "slow" {
              input = timestamp()
              provisioner "local-exec" { command = "sleep 3" }
            }
            """)]
        let first = try #require(try workspace.start("apply", files: files, stack: "shared").json["id"] as? String)
        let second = try #require(try workspace.start("apply", files: files, stack: "shared").json["id"] as? String)
        let runs = [try await workspace.finished(first), try await workspace.finished(second)]
        #expect(runs.allSatisfy { $0["status"] as? String == "succeeded" }, "\(runs)")
        let spans = try runs.map { run in
            (try #require((run["locked_at"] as? String).flatMap { try? Date($0, strategy: .iso8601) }),
             try #require((run["finished_at"] as? String).flatMap { try? Date($0, strategy: .iso8601) }))
        }.sorted { $0.0 < $1.0 }
        #expect(spans[1].0 >= spans[0].1, "the second apply took the lock before the first finished: \(spans)")
        let waited = try workspace.log(first) + workspace.log(second)
        #expect(waited.contains("waiting for the stack's lock"), "\(waited)")
    }

    /// A cancelled apply is interrupted the way a person would (SIGINT) and ends cancelled.
    @Test func aCancelledRunIsInterrupted() async throws {
        let workspace = try await ProvisioningWorkspace(gateway: gateway, owner: owner, account: account)
        let files = ["main.tf": try terraformConfiguration("""
            resource "terraform_data" "long" {
              provisioner "local-exec" { command = "sleep 120" }
            }
            """)]
        let run = try #require(try workspace.start("apply", files: files).json["id"] as? String)
        #expect(try await eventually(seconds: 120) { try workspace.log(run).contains("terraform_data.long: Creating...") })
        let cancel = try gateway.request("POST", "/api/runs/\(run)/cancel", headers: [("Authorization", "Bearer \(workspace.admin.token)")])
        #expect(cancel.status == 202)
        let ended = try await workspace.finished(run, seconds: 60)
        let log = try workspace.log(run)
        #expect(ended["status"] as? String == "cancelled", "\(ended)")
        #expect(log.contains("Interrupt received"), "\(log)")
        // Interrupted, not left to run out its two minutes nor killed after the grace period.
        let requested = try #require((ended["cancel_requested_at"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
        let finished = try #require((ended["finished_at"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
        #expect(finished.timeIntervalSince(requested) < 20, "\(ended) \(log)")
    }

    /// A user's own terminal keeps the stack's state in the platform (Terraform's http backend,
    /// the token as password), shares it with the platform's runs, and meets the same lock.
    @Test func aTerminalUsesTheSameStateAndLockAsRuns() async throws {
        let workspace = try await ProvisioningWorkspace(gateway: gateway, owner: owner, account: account)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("terminal-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let state = "\(gateway.baseURL)/api/terraform/state/\(workspace.organization.uuidString.lowercased())/terminal"
        let resource = #"resource "terraform_data" "note" { input = "kept by the platform" }"#
        try """
            terraform {
              backend "http" {
                address        = "\(state)"
                lock_address   = "\(state)/lock"
                lock_method    = "POST"
                unlock_address = "\(state)/lock"
                unlock_method  = "DELETE"
                username       = "zcp"
              }
            }
            \(resource)
            """.write(toFile: folder + "/main.tf", atomically: true, encoding: .utf8)
        let terraform = { (arguments: [String], token: String) throws -> CommandResult in
            try runProgram("/usr/bin/env", arguments: ["terraform", "-chdir=\(folder)"] + arguments + ["-input=false", "-no-color"],
                           environment: ["TF_HTTP_PASSWORD": token, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"])
        }
        let initialized = try terraform(["init"], workspace.admin.token)
        #expect(initialized.status == 0, "\(initialized.standardOutput) \(initialized.standardError)")
        let applied = try terraform(["apply", "-auto-approve"], workspace.admin.token)
        #expect(applied.status == 0, "\(applied.standardOutput) \(applied.standardError)")

        let stored = try gateway.request("GET", "/api/terraform/state/\(workspace.organization)/terminal", headers: [("Authorization", "Bearer \(workspace.admin.token)")])
        #expect(stored.status == 200 && String(decoding: stored.body, as: UTF8.self).contains("kept by the platform"))
        // The platform's run of the same stack starts from that state: nothing to do.
        let plan = try workspace.start("plan", files: ["main.tf": resource], stack: "terminal")
        let planned = try await workspace.finished(try #require(plan.json["id"] as? String))
        #expect((planned["plan_summary"] as? [String: Any])?["add"] as? Int == 0, "\(planned)")

        // Someone else holds the lock: the terminal is told who, and waits for nothing.
        let lock = #"{"ID":"held-by-someone-else","Operation":"OperationTypeApply","Who":"ops@laptop"}"#
        let bearer = [("Authorization", "Bearer \(workspace.admin.token)")]
        #expect(try gateway.request("POST", "/api/terraform/state/\(workspace.organization)/terminal/lock", body: lock, headers: bearer).status == 200)
        let refused = try terraform(["apply", "-auto-approve", "-replace=terraform_data.note"], workspace.admin.token)
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("already locked: ID=held-by-someone-else"), "\(refused.standardError)")
        #expect(try gateway.request("DELETE", "/api/terraform/state/\(workspace.organization)/terminal/lock", body: lock, headers: bearer).status == 200)
        #expect(try terraform(["apply", "-auto-approve", "-replace=terraform_data.note"], workspace.admin.token).status == 0)

        // A member is not let in (a state can hold the infrastructure's secrets).
        let member = try terraform(["plan"], workspace.member.token)
        #expect(member.status != 0)
        #expect(try gateway.request("POST", "/api/terraform/state/\(workspace.organization)/terminal", body: "{}",
                                    headers: [("Authorization", "Bearer \(workspace.member.token)")]).status == 403)
    }

    /// A configuration in a private Git repository, cloned with the requester's own GitHub token
    /// (from a Git server that checks it); the token is in neither the log nor the answer.
    @Test func aRunFromAPrivateGitRepositoryUsesTheRequestersToken() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("git-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let work = root + "/work"
        try FileManager.default.createDirectory(atPath: work + "/stacks/site", withIntermediateDirectories: true)
        try #"resource "terraform_data" "site" { input = "from git" }"#.write(toFile: work + "/stacks/site/main.tf", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: root + "/acme", withIntermediateDirectories: true)
        for command in [["init", "--bare", "-q", root + "/acme/infrastructure.git"], ["-C", work, "init", "-q"], ["-C", work, "add", "."],
                        ["-C", work, "-c", "user.email=a@example.test", "-c", "user.name=A", "commit", "-q", "-m", "site"],
                        ["-C", work, "push", "-q", root + "/acme/infrastructure.git", "HEAD:refs/heads/release"]] {
            let ran = try runProgram("/usr/bin/git", arguments: command)
            #expect(ran.status == 0, "\(command) \(ran.standardError)")
        }
        let token = "gho_\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
        let server = try LocalScriptServer(script: "Tests/Support/git-server/git-http-server.py", arguments: [root, token])
        // GitHub, as far as this platform knows, is the local Git server.
        let gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8), environment: ["GITHUB_URL": server.baseURL])
        let workspace = try await ProvisioningWorkspace(gateway: gateway, owner: owner, account: account)
        let git = #"{"command":"apply","stack":"site","source":{"git":{"provider":"github","repository":"acme/infrastructure","ref":"release","path":"stacks/site"}}}"#
        let runs = "/api/cloud-identities/\(workspace.identity)/runs"
        let bearer = [("Authorization", "Bearer \(workspace.admin.token)")]

        let tokenless = try gateway.request("POST", runs, body: git, headers: bearer)
        let tokenlessAnswer = try jsonObject(tokenless.body)
        #expect(tokenless.status == 409 && tokenlessAnswer["error"] as? String == "no_provider_token", "\(tokenlessAnswer)")
        for bad in [#""repository":"../etc""#, #""repository":"acme/infrastructure","ref":"--upload-pack=x""#, #""repository":"acme/infrastructure","path":"../../x""#] {
            let refused = try gateway.request("POST", runs, body: #"{"command":"plan","source":{"git":{"provider":"github",\#(bad)}}}"#, headers: bearer)
            #expect(refused.status == 400, "\(bad)")
        }
        let stored = try gateway.request("POST", "/api/provider-tokens", body: #"{"provider":"github","access_token":"\#(token)","expires_in":28800}"#, headers: bearer)
        #expect(stored.status == 201)

        let started = try gateway.request("POST", runs, body: git, headers: bearer)
        #expect(started.status == 202, "\(String(decoding: started.body, as: UTF8.self))")
        let run = try #require((try jsonObject(started.body))["id"] as? String)
        let ended = try await workspace.finished(run)
        let log = try workspace.log(run)
        #expect(ended["status"] as? String == "succeeded", "\(ended) \(log)")
        #expect(log.contains("Apply complete! Resources: 1 added"), "\(log)")
        #expect(!log.contains(token) && !String(decoding: started.body, as: UTF8.self).contains(token))
        #expect((ended["source"] as? [String: Any])?["repository"] as? String == "acme/infrastructure")
    }

    /// Who may do what, and what another workspace sees: nothing.
    @Test func onlyAdminsStartRunsAndAnotherWorkspaceSeesNothing() async throws {
        let workspace = try await ProvisioningWorkspace(gateway: gateway, owner: owner, account: account)
        let files = ["main.tf": try terraformConfiguration(#"resource "terraform_data" "x" { input = "x" }"#)]
        let refused = try workspace.start("apply", files: files, bearer: workspace.member.token)
        #expect(refused.status == 403, "\(refused.json)")
        let credentials = try gateway.request("POST", "/api/cloud-identities/\(workspace.identity)/credentials", body: #"{"purpose":"provisioning"}"#,
                                              headers: [("Authorization", "Bearer \(workspace.member.token)")])
        #expect(credentials.status == 403, "members get no provisioning credentials")

        let run = try #require(try workspace.start("apply", files: files, stack: "private").json["id"] as? String)
        #expect(try await workspace.finished(run)["status"] as? String == "succeeded")
        #expect(try gateway.request("GET", "/api/runs/\(run)", headers: [("Authorization", "Bearer \(workspace.member.token)")]).status == 200)
        #expect(try gateway.request("POST", "/api/runs/\(run)/cancel", headers: [("Authorization", "Bearer \(workspace.member.token)")]).status == 403)

        let stranger = try await makeSignedInUser(owner: owner)
        _ = try await makeWorkspace(owner: owner, member: stranger.id, role: "owner")
        let bearer = [("Authorization", "Bearer \(stranger.token)")]
        #expect(try gateway.request("GET", "/api/runs/\(run)", headers: bearer).status == 404)
        #expect(try gateway.request("GET", "/api/runs/\(run)/log", headers: bearer).status == 404)
        #expect(try gateway.request("POST", "/api/runs/\(run)/cancel", headers: bearer).status == 404)
        #expect(try gateway.request("GET", "/api/runs?organization_id=\(workspace.organization)", headers: bearer).status == 404)
        #expect(try gateway.request("GET", "/api/terraform/state/\(workspace.organization)/private", headers: bearer).status == 404)
        #expect(try gateway.request("POST", "/api/cloud-identities/\(workspace.identity)/runs", body: #"{"command":"plan","source":{"files":{"main.tf":""}}}"#,
                                    headers: bearer).status == 404)
        // The state is there, for the workspace's admins only.
        #expect(try gateway.request("GET", "/api/terraform/state/\(workspace.organization)/private", headers: [("Authorization", "Bearer \(workspace.admin.token)")]).status == 200)
        #expect(try gateway.request("GET", "/api/terraform/state/\(workspace.organization)/private", headers: [("Authorization", "Bearer \(workspace.member.token)")]).status == 403)
    }

    /// Revoking the identity fails its queued runs with the reason; the runner then does nothing.
    @Test func aRevokedIdentitysQueuedRunFailsWithTheReason() async throws {
        let workspace = try await ProvisioningWorkspace(gateway: gateway, owner: owner, account: account)
        // Queued as the API would, but held back from the runner (its event comes later).
        let run = try await owner.runAsConnectedRole([Statement("""
            INSERT INTO public.terraform_runs (organization_id, cloud_identity_id, stack, command, source, source_files, requested_by)
            VALUES ($1, $2::uuid, 'default', 'apply', '{"kind":"files"}', '{"main.tf":""}', $3) RETURNING id
            """, workspace.organization, workspace.identity, workspace.admin.id)])[0].first.map { try $0["id"] as UUID }
        let id = try #require(run)
        let revoked = try gateway.request("DELETE", "/api/cloud-identities/\(workspace.identity)", headers: [("Authorization", "Bearer \(workspace.admin.token)")])
        #expect(revoked.status == 204, "\(String(decoding: revoked.body, as: UTF8.self))")
        let invoked = try jsonObject(try gateway.invoke("run-terraform", #"{"run_id":"\#(id.uuidString.lowercased())"}"#).body)
        #expect((invoked["results"] as? [[String: Any]])?.first?["outcome"] as? String == "skipped")
        let failed = try await workspace.finished(id.uuidString.lowercased(), seconds: 5)
        #expect(failed["status"] as? String == "failed")
        #expect((failed["error"] as? String)?.contains("revoked") == true, "\(failed)")
    }

    /// pg_dump of the whole database, as an attacker with a backup would have it.
    func databaseDump() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        let dump = try runProgram("\(try #require(environment["PG_BIN_DIRECTORY"]))/pg_dump",
                                  arguments: ["--data-only", "--dbname", try #require(environment["MIGRATION_DATABASE_URL"])])
        #expect(dump.status == 0, "\(dump.standardError)")
        return dump.standardOutput
    }
}
