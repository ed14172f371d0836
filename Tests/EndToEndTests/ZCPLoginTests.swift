import Foundation
import Testing
@_spi(Privileged) import Database

/// `zcp login` and what a session is afterwards, as a person and a script meet them: in a
/// terminal (tmux) with the approval in a real browser, through pipes, with wrong codes and an
/// expired approval, profiles side by side, logout, and the CI token.
@Suite(.serialized) final class ZCPLoginTests: @unchecked Sendable {
    let gateway: GatewayProcess
    let owner: Database

    init() throws {
        gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8), environment: ["PLATFORM_DEV_SIGN_IN": "1"])
        owner = try Database(url: try #require(ProcessInfo.processInfo.environment["MIGRATION_DATABASE_URL"]), applicationName: "zcp-login-tests")
    }

    func newUser() async throws -> ZCPUser { ZCPUser(gateway: gateway, user: try await makeSignedInUser(owner: owner)) }

    /// A folder with an `xdg-open` that opens the link in headless Chromium, signs in as `email`,
    /// approves, and leaves the code it read in `code`.
    func browserOpener(email: String) throws -> String {
        let folder = NSTemporaryDirectory() + "zcp-browser-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let approve = FileManager.default.currentDirectoryPath + "/Tests/Support/browser/approve-cli-login.py"
        try """
            #!/bin/sh
            # A loaded machine can time a browser out once: try twice, and leave a code only when there is one.
            for attempt in 1 2; do
              python3 '\(approve)' "$1" '\(email)' > '\(folder)/answer.json' 2>> '\(folder)/browser.log' &&
                python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["code"])' '\(folder)/answer.json' > '\(folder)/code.tmp' &&
                [ -s '\(folder)/code.tmp' ] && mv '\(folder)/code.tmp' '\(folder)/code' && exit 0
            done
            exit 1
            """.write(toFile: folder + "/xdg-open", atomically: true, encoding: .utf8)
        chmod(folder + "/xdg-open", 0o755)
        return folder
    }

    /// A person at a terminal: the link is printed, the browser opens on it (there is a display
    /// and a terminal), they approve in Chromium, mistype the code once, then type it.
    @Test func aPersonLogsInAtATerminalApprovingInTheBrowserThatOpens() async throws {
        let person = try await newUser()
        let browser = try browserOpener(email: "terminal-\(UUID().uuidString.prefix(8))@example.test")
        let environment = person.environment.merging(["DISPLAY": ":99", "PATH": "\(browser):" + (ProcessInfo.processInfo.environment["PATH"] ?? "")]) { $1 }
        let terminal = try Terminal(command: "env -u SSH_CONNECTION -u SSH_CLIENT -u SSH_TTY -u ZCP_TOKEN "
            + environment.map { "\($0.key)='\($0.value)'" }.joined(separator: " ") + " '\(person.binary)' login; echo EXIT=$?; sleep 120")
        func screen() -> String { terminal.screen }
        func type(_ text: String) throws { try terminal.type(text) }

        #expect(try await eventually(seconds: 150) { FileManager.default.fileExists(atPath: browser + "/code") },
                "\(screen()) \((try? String(contentsOfFile: browser + "/browser.log", encoding: .utf8)) ?? "")")
        let shown = screen()
        #expect(shown.contains("/cli/login?device_code="), "the link is printed for the person too: \(shown)")
        let code = try String(contentsOfFile: browser + "/code", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        try type("ACD-EFG" == code ? "ACD-EFH" : "ACD-EFG")
        #expect(try await eventually(seconds: 60) { screen().contains("2 tries left") }, "\(screen())")
        try type(code)
        #expect(try await eventually(seconds: 90) { screen().contains("EXIT=0") }, "\(screen())")
        #expect(screen().contains("Logged in"))

        let status = try person.run(["status"])
        #expect(status.status == 0, "\(status.standardError)")
        #expect(status.standardOutput.contains("Session:") && status.standardOutput.contains("cli:"))
        #expect(status.standardOutput.contains("zcp_rt_****"), "tokens are masked after their prefix")
        let token = try person.run(["token"]).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.split(separator: ".").count == 3)
        #expect(!status.standardOutput.contains(token))
        let stored = try person.storedSession()
        #expect(!(try String(contentsOfFile: person.configDirectory + "/auth.json", encoding: .utf8)).contains(stored["refreshToken"] as? String ?? "?"),
                "the file holds the tokens sealed, not in the clear")
        for file in ["auth.json", "auth.key"] {
            #expect((try FileManager.default.attributesOfItem(atPath: person.configDirectory + "/" + file)[.posixPermissions] as? Int) == 0o600)
        }
        #expect((try FileManager.default.attributesOfItem(atPath: person.configDirectory)[.posixPermissions] as? Int) == 0o700)
    }

    /// Without a terminal (a pipe), no browser is opened even with a display: the link is printed
    /// first, the code read from stdin. Three wrong codes start a new login with a new link.
    @Test func withoutATerminalTheLinkIsPrintedAndThreeWrongCodesStartANewLogin() async throws {
        let person = try await newUser()
        let browser = try browserOpener(email: "never@example.test")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: person.binary)
        process.arguments = ["login"]
        process.environment = ProcessInfo.processInfo.environment.filter { !ZCPUser.foreign.contains($0.key) }
            .merging(person.environment) { $1 }.merging(["DISPLAY": ":99", "PATH": "\(browser):" + (ProcessInfo.processInfo.environment["PATH"] ?? "")]) { $1 }
        let input = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        try process.run()
        var said = ""
        func waitFor(_ text: String, count: Int = 1) {
            while said.components(separatedBy: text).count - 1 < count {
                let data = errors.fileHandleForReading.availableData
                if data.isEmpty { return }
                said += String(decoding: data, as: UTF8.self)
            }
        }
        waitFor("Enter the code")
        let first = try #require(said.firstMatch(of: /(http:\/\/\S+\/cli\/login\?\S+)/).map { String($0.1) })
        let firstCode = try person.approve(link: first)
        let wrong = firstCode == "ACD-EFG" ? "ACD-EFH" : "ACD-EFG"
        for _ in 0..<3 { input.fileHandleForWriting.write(Data((wrong + "\n").utf8)) }
        waitFor("/cli/login?", count: 2)
        #expect(said.contains("Three wrong codes") && said.contains("Starting a new login"), "\(said)")
        waitFor("Enter the code", count: 4)
        let second = try #require(said.matches(of: /(http:\/\/\S+\/cli\/login\?\S+)/).last.map { String($0.1) })
        #expect(second != first)
        input.fileHandleForWriting.write(Data((try person.approve(link: second) + "\n").utf8))
        try input.fileHandleForWriting.close()
        said += String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(said)")
        #expect(!FileManager.default.fileExists(atPath: browser + "/answer.json"), "no browser was opened without a terminal")
        // The first login's code is dead after the wrong tries.
        #expect(try person.run(["status"]).status == 0)
    }

    /// An approval that expired before the code was typed: said plainly, and a new login begins.
    @Test func anExpiredApprovalStartsANewLogin() async throws {
        let person = try await newUser()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: person.binary)
        process.arguments = ["login", "--no-browser"]
        process.environment = ProcessInfo.processInfo.environment.filter { !ZCPUser.foreign.contains($0.key) }.merging(person.environment) { $1 }
        let input = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardError = errors
        try process.run()
        var said = ""
        while !said.contains("Enter the code") { said += String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self) }
        let link = try #require(said.firstMatch(of: /(http:\/\/\S+\/cli\/login\?\S+)/).map { String($0.1) })
        let code = try person.approve(link: link)
        _ = try await owner.runAsConnectedRole([Statement(
            "UPDATE public.device_authorizations SET approved_at = now() - interval '11 minutes', expires_at = now() - interval '1 minute' WHERE user_id = $1",
            person.user.id)])
        input.fileHandleForWriting.write(Data((code + "\n").utf8))
        try input.fileHandleForWriting.close()
        said += String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(said.contains("expired") && said.contains("Starting a new login"), "\(said)")
        #expect(process.terminationStatus == 1, "stdin ended: no code for the new login")
        #expect(try person.run(["status"]).status == 4)
    }

    /// Two platforms or users side by side; logout ends the session on the platform first.
    @Test func profilesLogoutAndExitCodes() async throws {
        let ada = try await newUser()
        try ada.logIn()
        let bob = ZCPUser(gateway: gateway, user: try await makeSignedInUser(owner: owner))
        let shared = ZCPUser(gateway: gateway, user: bob.user, configDirectory: ada.configDirectory)
        try shared.logIn(profile: "work")
        #expect(try ada.run(["status"]).standardOutput.contains(ada.user.id.uuidString.lowercased()))
        #expect(try ada.run(["status", "--profile", "work"]).standardOutput.contains(bob.user.id.uuidString.lowercased()))
        #expect(try ada.run(["status"], environment: ["ZCP_PROFILE": "work"]).standardOutput.contains(bob.user.id.uuidString.lowercased()))

        let session = try ada.storedSession()["sessionID"] as? String
        let logout = try ada.run(["logout"])
        #expect(logout.status == 0, "\(logout.standardError)")
        let reason: String? = try await owner.runAsConnectedRole([Statement(
            "SELECT revoked_reason FROM public.cli_sessions WHERE id = $1::uuid", session)])[0].first?["revoked_reason"]
        #expect(reason == "logout")
        let after = try ada.run(["credentials", "--identity", "prod"])
        #expect(after.status == 4 && after.standardOutput.isEmpty, "no login: exit 4, nothing on stdout")
        #expect(after.standardError.split(separator: "\n").count == 1 && after.standardError.contains("zcp login"), "\(after.standardError)")
        #expect(try ada.run(["status", "--profile", "work"]).status == 0, "the other profile is untouched")

        // Usage errors are 2.
        #expect(try ada.run(["credentials"]).status == 2)
        #expect(try ada.run(["no-such-command"]).status == 2)
    }

    /// CI: an access token in ZCP_TOKEN, no stored login; `login` refuses while it is set.
    @Test func aTokenInTheEnvironmentSkipsTheStoredLogin() async throws {
        let ci = try await newUser()
        let listed = try ci.run(["workspaces", "--json"], environment: ["ZCP_TOKEN": ci.user.token])
        #expect(listed.status == 0, "\(listed.standardError)")
        #expect(listed.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("["))
        #expect(try ci.run(["login", "--no-browser"], environment: ["ZCP_TOKEN": ci.user.token]).status == 2)
        #expect(try ci.run(["token"], environment: ["ZCP_TOKEN": ci.user.token]).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == ci.user.token)
        #expect(try ci.run(["workspaces"], environment: ["ZCP_TOKEN": "not-a-token"]).status == 4)
    }
}

/// The login in a real Secret Service (a session bus of its own with gnome-keyring, unlocked),
/// as on a Linux desktop; and where the keyring cannot answer, the encrypted file, said once.
@Suite(.serialized) final class ZCPKeyringTests: @unchecked Sendable {
    let gateway: GatewayProcess
    let owner: Database

    init() throws {
        gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8))
        owner = try Database(url: try #require(ProcessInfo.processInfo.environment["MIGRATION_DATABASE_URL"]), applicationName: "zcp-keyring-tests")
    }

    /// `dbus-daemon --session` and an unlocked gnome-keyring on it; stopped by PID at the end.
    final class SecretService {
        let address: String
        let pids: [Int32]

        init() throws {
            let started = try runProgram("/usr/bin/env", arguments: ["python3", "Tests/Support/secret-service/start.py",
                                                                   NSTemporaryDirectory() + "secret-service-\(UUID().uuidString.prefix(8))"])
            let answer = try jsonObject(started.standardOutput)
            guard let address = answer["address"] as? String, let pids = answer["pids"] as? [Int] else { throw CocoaError(.executableLoad) }
            self.address = address
            self.pids = pids.map(Int32.init)
        }

        deinit { for pid in pids { kill(pid, SIGTERM) } }

        func lookup(_ profile: String) throws -> String {
            try runProgram("/usr/bin/timeout", arguments: ["5", "secret-tool", "lookup", "service", "zcp", "profile", profile],
                           environment: ["DBUS_SESSION_BUS_ADDRESS": address]).standardOutput
        }
    }

    @Test func theLoginLivesInTheKeyringAndLogoutClearsIt() async throws {
        let service = try SecretService()
        var person = ZCPUser(gateway: gateway, user: try await makeSignedInUser(owner: owner))
        person.sessionBus = service.address
        let said = try person.logIn()
        #expect(said.contains("kept in the system keyring"), "\(said)")
        #expect(!(try service.lookup("default")).isEmpty)
        let file = try String(contentsOfFile: person.configDirectory + "/auth.json", encoding: .utf8)
        #expect(file.contains("keyring") && !file.contains("sealed"), "the file only says where the login is")
        #expect(!FileManager.default.fileExists(atPath: person.configDirectory + "/auth.key"))
        #expect(try person.run(["token"]).status == 0)
        #expect(try person.run(["status"]).standardOutput.contains("the system keyring"))
        #expect(try person.run(["logout"]).status == 0)
        #expect(try service.lookup("default").isEmpty)
    }

    @Test func whenNoKeyringAnswersTheLoginGoesToTheEncryptedFile() async throws {
        var person = ZCPUser(gateway: gateway, user: try await makeSignedInUser(owner: owner))
        person.sessionBus = "unix:path=/nonexistent/bus"
        let said = try person.logIn()
        #expect(said.contains("encrypted file"), "\(said)")
        #expect(try person.run(["token"]).status == 0)
    }
}
