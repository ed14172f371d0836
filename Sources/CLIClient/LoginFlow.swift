import Crypto
import Domain
import Foundation
import Runtime

/// `zcp login`: the seeds' flow, bound to this CLI. A fresh device code and P-256 key pair per
/// login; the approval link (printed before any browser is tried) carries the public key; the
/// code the user types is exchanged with a signature by the private key, so the link and the
/// code alone are worth nothing to someone who sees them. Three wrong codes start a new login.
public struct LoginFlow {
    public let api: PlatformAPI
    public let clientName: String
    public let openBrowser: Bool
    /// Where the flow talks to the person (stderr) and reads the code (stdin).
    public let say: (String) -> Void
    public let ask: (String) -> String?

    public static let triesPerLogin = 3
    public static let loginsPerRun = 3

    public init(api: PlatformAPI, clientName: String, openBrowser: Bool, say: @escaping (String) -> Void, ask: @escaping (String) -> String?) {
        self.api = api
        self.clientName = clientName
        self.openBrowser = openBrowser
        self.say = say
        self.ask = ask
    }

    /// `cli:<user>@<host>`, the name the approval page and `zcp sessions` show.
    public static func defaultClientName(environment: [String: String]) -> String {
        let user = environment["USER"] ?? environment["LOGNAME"] ?? getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? "user"
        return "cli:\(user)@\(ProcessInfo.processInfo.hostName)"
    }

    public func run() throws(CLIError) -> TokenAnswer {
        for round in 1...Self.loginsPerRun {
            if round > 1 { say("Starting a new login.\n") }
            if let tokens = try attempt() { return tokens }
        }
        throw .failure("login did not complete after \(Self.loginsPerRun) attempts")
    }

    static func left(_ tries: Int) -> String {
        let left = triesPerLogin - tries
        return left == 1 ? "1 try left" : "\(left) tries left"
    }

    /// One device code: nil when it can no longer succeed (wrong codes, expired, used).
    private func attempt() throws(CLIError) -> TokenAnswer? {
        let deviceCode = DeviceCode(UUID().uuidString)!
        let key = P256.Signing.PrivateKey()
        let link = api.baseURL + "/cli/login?" + formURLEncoded([
            ("device_code", deviceCode.value), ("public_key", Base64URL.encode(Array(key.publicKey.x963Representation))), ("client_name", clientName),
        ])
        say("To log in, open this link in a browser, sign in and approve \"\(clientName)\":\n\n  \(link)\n\n")
        if openBrowser, !BrowserLauncher.open(link) {
            say("Could not open a browser; open the link above yourself.\n")
        }
        var tries = 0
        while tries < Self.triesPerLogin {
            guard let typed = ask("Enter the code shown in the browser: ") else { throw .failure("no code entered") }
            guard let code = VerificationCode(typed: typed) else {
                tries += 1
                say("That is not a code: 6 letters and digits, like ACD-EFG (\(Self.left(tries))).\n")
                continue
            }
            let proof: String
            do { proof = try CLIClientKey.proof(signing: key, deviceCode: deviceCode, code: code) } catch { throw .failure("cannot sign the login: \(error)") }
            let answer = try api.call("POST", "/api/auth/cli/exchange",
                                      body: ["device_code": deviceCode.value, "verification_code": code.value, "proof": proof], accepting: [400])
            if answer.status == 200 { return try TokenAnswer(answer.object) }
            let error = answer.object["error"] as? String ?? ""
            let description = answer.object["error_description"] as? String ?? "refused"
            switch error {
            case "authorization_pending":
                say("Not approved yet: press Approve in the browser first, then enter the code it shows.\n")
            case "invalid_grant" where description.hasPrefix("wrong verification code"):
                tries += 1
                if tries < Self.triesPerLogin { say("That code is not right (\(Self.left(tries))).\n") }
            default:
                say("The login cannot be completed: \(description).\n")
                return nil
            }
        }
        say("Three wrong codes.\n")
        return nil
    }
}

/// Opens a link in the user's browser only where that can work: an interactive terminal, a
/// display (or macOS), and not over SSH — else the printed link is the way (gh's and the
/// Supabase CLI's users asked for exactly this).
public enum BrowserLauncher {
    public static func shouldOpen(environment: [String: String], noBrowser: Bool) -> Bool {
        guard !noBrowser, isatty(0) == 1 else { return false }
        if ["SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"].contains(where: { !(environment[$0] ?? "").isEmpty }) { return false }
        #if os(macOS)
        return true
        #else
        return !(environment["DISPLAY"] ?? "").isEmpty || !(environment["WAYLAND_DISPLAY"] ?? "").isEmpty
        #endif
    }

    static func open(_ link: String) -> Bool {
        let process = Process()
        #if os(macOS)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/open")
        #else
        guard let opener = SystemKeyring.executable(named: "xdg-open", path: ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin") else { return false }
        process.executableURL = URL(fileURLWithPath: opener)
        #endif
        process.arguments = [link]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        return true
    }
}
