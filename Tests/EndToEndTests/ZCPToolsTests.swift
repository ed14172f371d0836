import AWSTestSupport
import Foundation
import Testing
@_spi(Privileged) import Database

/// `zcp` feeding the tools people use, against the local AWS: the AWS CLI through
/// credential_process and through exec, boto3's process provider, Terraform both ways, parallel
/// invocations with an expired access token, a refresh killed midway, and git through the
/// credential helper.
@Suite(.serialized) final class ZCPToolsTests: @unchecked Sendable {
    let gateway: GatewayProcess
    let owner: Database
    let account: CustomerAccount

    init() throws {
        gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8), environment: ["SCAN_REGIONS": ScanWorkspace.regions])
        owner = try Database(url: try #require(ProcessInfo.processInfo.environment["MIGRATION_DATABASE_URL"]), applicationName: "zcp-tools-tests")
        account = try CustomerAccount()
    }

    /// A person logged in with zcp whose workspace has a connected AWS role, and an AWS config
    /// with a profile that gets its credentials from zcp.
    struct Connected {
        let person: ZCPUser
        let workspace: ScanWorkspace
        let roleName: String
        let awsConfig: String
    }

    func connected() async throws -> Connected {
        let workspace = try await ScanWorkspace(gateway: gateway, owner: owner, account: account)
        let person = ZCPUser(gateway: gateway, user: workspace.admin)
        try person.logIn()
        let roleName = String(workspace.role.split(separator: "/").last!)
        let awsConfig = person.configDirectory + "/aws-config"
        try """
            [profile zcp]
            credential_process = \(person.binary) credentials --identity \(roleName)
            region = us-east-1
            """.write(toFile: awsConfig, atomically: true, encoding: .utf8)
        return Connected(person: person, workspace: workspace, roleName: roleName, awsConfig: awsConfig)
    }

    /// The AWS CLI as the user runs it: the local AWS endpoint, their config, no keys in the environment.
    func aws(_ connected: Connected, _ arguments: [String], extra: [String: String] = [:]) throws -> CommandResult {
        try connected.person.program("/usr/bin/env", ["aws"] + arguments,
                                     environment: ["AWS_CONFIG_FILE": connected.awsConfig, "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_DEFAULT_REGION": "us-east-1"].merging(extra) { $1 })
    }

    /// The customer's administrator makes a bucket the role can list.
    func customerBucket() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        let bucket = "zcp-tools-\(UUID().uuidString.prefix(8).lowercased())"
        let made = try runProgram("/usr/bin/env", arguments: ["aws", "s3", "mb", "s3://\(bucket)"], environment: [
            "AWS_ACCESS_KEY_ID": try #require(environment["CUSTOMER_AWS_ACCESS_KEY_ID"]),
            "AWS_SECRET_ACCESS_KEY": try #require(environment["CUSTOMER_AWS_SECRET_ACCESS_KEY"]), "AWS_REGION": "us-east-1",
        ], removing: ["AWS_SESSION_TOKEN", "AWS_PROFILE"])
        #expect(made.status == 0, "\(made.standardError)")
        return bucket
    }

    func issuedCount(_ identity: UUID) async throws -> Int {
        try await owner.runAsConnectedRole([Statement(
            "SELECT count(*) AS n FROM public.audit_events WHERE cloud_identity_id = $1 AND action = 'cloud_identity.credentials_issued'", identity)])[0]
            .first?["n"] ?? -1
    }

    @Test func theAWSCLIReadsThroughExecAndThroughCredentialProcess() async throws {
        let setup = try await connected()
        let bucket = try customerBucket()

        // exec: credentials from a loopback server for the command's life, none written to disk.
        let identity = try setup.person.run(["exec", "--identity", setup.roleName, "--", "aws", "sts", "get-caller-identity"],
                                            environment: ["AWS_DEFAULT_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIASTALESTALESTALE1", "AWS_SECRET_ACCESS_KEY": "stale"])
        #expect(identity.status == 0, "\(identity.standardError)")
        #expect((try jsonObject(identity.standardOutput)["Arn"] as? String)?.contains("assumed-role/\(setup.roleName)/") == true,
                "keys already in the environment do not win over the platform's")
        let listed = try setup.person.run(["exec", "--identity", setup.roleName, "--", "aws", "s3", "ls"], environment: ["AWS_DEFAULT_REGION": "us-east-1"])
        #expect(listed.standardOutput.contains(bucket), "\(listed.standardError)")
        #expect((try setup.person.storedSession()["awsCredentials"] as? [String: Any])?.isEmpty == true, "exec keeps credentials in memory only")
        let denied = try setup.person.run(["exec", "--identity", setup.roleName, "--", "sh", "-c",
                                           #"curl -s -o /dev/null -w '%{http_code}' "$AWS_CONTAINER_CREDENTIALS_FULL_URI""#])
        #expect(denied.standardOutput == "401", "the credential server wants its token")
        #expect(try setup.person.run(["exec", "--identity", setup.roleName, "--", "sh", "-c", "exit 7"]).status == 7)
        #expect(try setup.person.run(["exec", "--identity", "no-such-role", "--", "true"]).status == 1)

        // credential_process: the AWS CLI runs zcp, which prints Version 1 JSON on stdout only.
        let printed = try setup.person.run(["credentials", "--identity", setup.roleName])
        #expect(printed.status == 0 && printed.standardError.isEmpty, "\(printed.standardError)")
        #expect(try jsonObject(printed.standardOutput)["Version"] as? Int == 1)
        let caller = try aws(setup, ["--profile", "zcp", "sts", "get-caller-identity"])
        #expect(caller.status == 0 && caller.standardOutput.contains("assumed-role/\(setup.roleName)/"), "\(caller.standardError)")
        #expect(try aws(setup, ["--profile", "zcp", "s3", "ls"]).standardOutput.contains(bucket))
    }

    /// botocore runs the process for each new session; the cache answers, so the platform issues once.
    @Test func boto3RunsTheCLIAndTheCacheAnswers() async throws {
        let setup = try await connected()
        let before = try await issuedCount(setup.workspace.identity)
        let script = """
            import boto3
            keys = {boto3.Session(profile_name="zcp").get_credentials().get_frozen_credentials().access_key for _ in range(5)}
            print(len(keys))
            """
        let result = try setup.person.program("/usr/bin/env", ["python3", "-c", script],
                                              environment: ["AWS_CONFIG_FILE": setup.awsConfig, "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        #expect(try await issuedCount(setup.workspace.identity) - before == 1)
    }

    /// Terraform starts one provider process per alias at once: eight parallel invocations with an
    /// expired access token refresh the session once, all succeed, and the session lives on.
    @Test func eightParallelInvocationsWithAnExpiredTokenRefreshOnce() async throws {
        let setup = try await connected()
        try setup.person.expireAccessToken()
        let session = try #require(setup.person.storedSession()["sessionID"] as? String)
        func refreshTokens() async throws -> Int {
            try await owner.runAsConnectedRole([Statement("SELECT count(*) AS n FROM public.refresh_tokens WHERE session_id = $1::uuid", session)])[0]
                .first?["n"] ?? -1
        }
        let tokensBefore = try await refreshTokens(), issuedBefore = try await issuedCount(setup.workspace.identity)
        let processes = (0..<8).map { _ in
            let process = Process(), output = Pipe()
            process.executableURL = URL(fileURLWithPath: setup.person.binary)
            process.arguments = ["credentials", "--identity", setup.roleName]
            process.environment = ProcessInfo.processInfo.environment.filter { !ZCPUser.foreign.contains($0.key) }.merging(setup.person.environment) { $1 }
            process.standardOutput = output
            process.standardError = FileHandle.nullDevice
            return (process, output)
        }
        for (process, _) in processes { try process.run() }
        var keys: Set<String> = []
        for (process, output) in processes {
            let printed = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            keys.insert(try jsonObject(Array(printed))["AccessKeyId"] as? String ?? "")
        }
        #expect(keys.count == 1 && !keys.contains(""))
        #expect(try await refreshTokens() - tokensBefore == 1, "exactly one refresh")
        #expect(try await issuedCount(setup.workspace.identity) - issuedBefore == 1, "and one AssumeRole")
        let live: String? = try await owner.runAsConnectedRole([Statement(
            "SELECT coalesce(revoked_reason, 'live') AS state FROM public.cli_sessions WHERE id = $1::uuid", session)])[0].first?["state"]
        #expect(live == "live")
        #expect(try setup.person.run(["token"]).status == 0)
    }

    /// A refresh killed at any moment leaves the stored login whole: the old one or the new one.
    @Test func aRefreshKilledMidwayLeavesNoCorruptFile() async throws {
        let setup = try await connected()
        for round in 0..<12 {
            try setup.person.expireAccessToken()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: setup.person.binary)
            process.arguments = ["token"]
            process.environment = ProcessInfo.processInfo.environment.filter { !ZCPUser.foreign.contains($0.key) }.merging(setup.person.environment) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(useconds_t(round * 4_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let stored = try setup.person.storedSession()
            #expect((stored["refreshToken"] as? String)?.hasPrefix("zcp_rt_") == true, "round \(round)")
            let status = try setup.person.run(["status"])
            #expect(!status.standardError.contains("damaged"), "round \(round): \(status.standardError)")
        }
    }

    @Test func terraformReadsThroughExecAndThroughCredentialProcess() async throws {
        let setup = try await connected()
        // Where this machine kind keeps the provider as a filesystem mirror (TF_PROVIDER_MIRROR overrides).
        let candidates = ["TF_PROVIDER_MIRROR", "HOME"].compactMap { ProcessInfo.processInfo.environment[$0] }.flatMap { [$0, $0 + "/.terraform.d/plugins"] }
            + ["/opt/tf-plugins", "/usr/local/share/terraform/plugins", "/usr/share/terraform/plugins"]
        let mirror = try #require(candidates.first { FileManager.default.fileExists(atPath: $0 + "/registry.terraform.io/hashicorp/aws/5.100.0") },
                                  "the hashicorp/aws 5.100.0 provider as a filesystem mirror")
        let folder = setup.person.configDirectory + "/terraform"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try """
            provider_installation {
              filesystem_mirror {
                path    = "\(mirror)"
                include = ["registry.terraform.io/hashicorp/aws"]
              }
            }
            """.write(toFile: folder + "/cli.tfrc", atomically: true, encoding: .utf8)
        let endpoint = try #require(ProcessInfo.processInfo.environment["AWS_ENDPOINT_URL"])
        try """
            terraform {
              required_providers {
                aws = { source = "hashicorp/aws", version = "5.100.0" }
              }
            }
            variable "profile" {
              type    = string
              default = null
            }
            provider "aws" {
              region            = "us-east-1"
              profile           = var.profile
              s3_use_path_style = true
              endpoints {
                sts = "\(endpoint)"
                iam = "\(endpoint)"
                s3  = "\(endpoint)"
              }
            }
            data "aws_caller_identity" "me" {}
            output "arn" {
              value = data.aws_caller_identity.me.arn
            }
            """.write(toFile: folder + "/main.tf", atomically: true, encoding: .utf8)
        let terraform = ["TF_CLI_CONFIG_FILE": folder + "/cli.tfrc", "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1",
                         "AWS_CONFIG_FILE": setup.awsConfig, "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"]
        let initialized = try setup.person.program("/usr/bin/env", ["terraform", "-chdir=\(folder)", "init", "-input=false", "-no-color"], environment: terraform)
        #expect(initialized.status == 0, "\(initialized.standardOutput) \(initialized.standardError)")

        let throughExec = try setup.person.run(["exec", "--identity", setup.roleName, "--", "terraform", "-chdir=\(folder)", "apply", "-auto-approve",
                                                "-input=false", "-no-color"], environment: terraform)
        #expect(throughExec.status == 0, "\(throughExec.standardOutput) \(throughExec.standardError)")
        #expect(throughExec.standardOutput.contains("assumed-role/\(setup.roleName)/"))

        let throughProcess = try setup.person.program("/usr/bin/env", ["terraform", "-chdir=\(folder)", "apply", "-auto-approve", "-input=false", "-no-color",
                                                                         "-var", "profile=zcp"], environment: terraform)
        #expect(throughProcess.status == 0, "\(throughProcess.standardOutput) \(throughProcess.standardError)")
        #expect(throughProcess.standardOutput.contains("assumed-role/\(setup.roleName)/"))
    }

    /// `git clone` of a private repository with the user's provider token from the platform, through
    /// the credential helper, from a Git server that checks it; no token in any file.
    @Test func gitClonesThroughTheCredentialHelper() async throws {
        let setup = try await connected()
        let token = "gho_\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
        let stored = try gateway.request("POST", "/api/provider-tokens", body: #"{"provider":"github","access_token":"\#(token)","expires_in":28800}"#,
                                         headers: [("Authorization", "Bearer \(setup.workspace.admin.token)")])
        #expect(stored.status == 201, "\(String(decoding: stored.body, as: UTF8.self))")

        let root = setup.person.configDirectory + "/git"
        let work = root + "/work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        try "private\n".write(toFile: work + "/README", atomically: true, encoding: .utf8)
        for command in [["init", "--bare", "-q", root + "/repo.git"], ["-C", work, "init", "-q"], ["-C", work, "add", "README"],
                        ["-C", work, "-c", "user.email=a@example.test", "-c", "user.name=A", "commit", "-q", "-m", "first"],
                        ["-C", work, "push", "-q", root + "/repo.git", "HEAD:refs/heads/main"], ["-C", root + "/repo.git", "symbolic-ref", "HEAD", "refs/heads/main"]] {
            let ran = try runProgram("/usr/bin/git", arguments: command)
            #expect(ran.status == 0, "\(command) \(ran.standardError)")
        }
        let server = try LocalScriptServer(script: "Tests/Support/git-server/git-http-server.py", arguments: [root, token])
        let git = ["GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1", "HOME": setup.person.configDirectory]

        let refused = try setup.person.program("/usr/bin/git", ["clone", "-q", "\(server.baseURL)/repo.git", root + "/refused"], environment: git)
        #expect(refused.status != 0, "the server wants the token")
        let cloned = try setup.person.program("/usr/bin/git", ["-c", "credential.helper=", "-c", "credential.helper=!\(setup.person.binary) git-credential --provider github",
                                                               "clone", "-q", "\(server.baseURL)/repo.git", root + "/clone"], environment: git)
        #expect(cloned.status == 0, "\(cloned.standardError)")
        #expect(try String(contentsOfFile: root + "/clone/README", encoding: .utf8) == "private\n")
        #expect(!(try String(contentsOfFile: root + "/clone/.git/config", encoding: .utf8)).contains(token))
    }

    /// The everyday commands a terminal user runs, by name not ID: identities, a scan followed to
    /// its end, findings as a table and as JSON, sessions, and revoking an identity.
    @Test func theEverydayCommandsWorkByName() async throws {
        let setup = try await connected()
        let identities = try setup.person.run(["identities"])
        #expect(identities.status == 0 && identities.standardOutput.contains(setup.roleName), "\(identities.standardError)")

        let scan = try setup.person.run(["scans", "start", "--identity", setup.roleName, "--watch"])
        #expect(scan.status == 0, "\(scan.standardError)")
        let scanID = scan.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(UUID(uuidString: scanID) != nil, "the scan's ID on stdout")
        #expect(scan.standardError.contains("scan succeeded") || scan.standardError.contains("scan partial"), "\(scan.standardError)")
        let findings = try setup.person.run(["findings", "--json", "--limit", "5"])
        #expect(findings.status == 0 && findings.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("["), "\(findings.standardError)")
        let table = try setup.person.run(["findings", "--status", "PASS,FAIL"])
        #expect(table.standardOutput.hasPrefix("SEVERITY"), "\(table.standardError)")
        #expect(try setup.person.run(["scans"]).standardOutput.contains(scanID))
        #expect(try setup.person.run(["sessions"]).standardOutput.contains("(this one)"))

        #expect(try setup.person.run(["identities", "revoke", setup.roleName]).status == 0)
        let after = try setup.person.run(["credentials", "--identity", setup.roleName])
        #expect(after.status == 1 && after.standardOutput.isEmpty, "\(after.standardError)")
    }
}
