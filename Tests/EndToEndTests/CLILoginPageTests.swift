import Crypto
import Domain
import Foundation
import Runtime
import Testing

/// The CLI approval page as a browser uses it (plain HTTP with the session cookie): sign in,
/// open the CLI's link, approve with the button, read the code, and the CLI exchanges it. A GET
/// never approves, and a form posted from elsewhere (no anti-forgery token) approves nothing.
@Suite(.serialized) final class CLILoginPageTests: @unchecked Sendable {
    let gateway: GatewayProcess

    init() throws {
        gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8), environment: ["PLATFORM_DEV_SIGN_IN": "1"])
    }

    func signIn() throws -> String {
        let response = try gateway.request("POST", "/dev/sign-in", body: #"{"email":"page-\#(UUID().uuidString.prefix(8))@example.test"}"#)
        return try #require(response.header("set-cookie")?.split(separator: ";").first.map(String.init))
    }

    func page(_ method: String, _ path: String, form: [(String, String)]? = nil, cookie: String?) throws -> (status: Int, html: String, headers: [String: String]) {
        var headers: [(name: String, value: String)] = cookie.map { [("Cookie", $0)] } ?? []
        if form != nil { headers.append(("Content-Type", "application/x-www-form-urlencoded")) }
        let response = try gateway.request(method, path, body: form.map(formURLEncoded), headers: headers)
        return (response.status, String(decoding: response.body, as: UTF8.self), response.headers)
    }

    /// The CLI's side: a login's device code and key pair, its link, and its signed exchange.
    struct CLILogin {
        let device = UUID().uuidString.lowercased()
        let key = P256.Signing.PrivateKey()
        var publicKey: String { Base64URL.encode(Array(key.publicKey.x963Representation)) }
        var link: String { "/cli/login?device_code=\(device)&public_key=\(publicKey)&client_name=cli%3Aada%40laptop" }
    }

    func exchange(_ login: CLILogin, _ code: String) throws -> [String: Any] {
        let proof = try VerificationCode(typed: code).map { try CLIClientKey.proof(signing: login.key, deviceCode: DeviceCode(login.device)!, code: $0) } ?? ""
        return try jsonObject(try gateway.request("POST", "/api/auth/cli/exchange",
                                                  body: #"{"device_code":"\#(login.device)","verification_code":"\#(code)","proof":"\#(proof)"}"#).body)
    }

    @Test func signInApproveAndTheCLIExchangesTheCodeShown() throws {
        let login = CLILogin(), device = login.device, link = login.link

        // Not signed in: to the sign-in page, which comes back to the same link.
        let away = try page("GET", link, cookie: nil)
        #expect(away.status == 303)
        #expect(away.headers["location"]?.hasPrefix("/dev/sign-in?next=") == true)
        let cookie = try signIn()

        let shown = try page("GET", link, cookie: cookie)
        #expect(shown.status == 200)
        #expect(shown.html.contains("cli:ada@laptop") && shown.html.contains("Approve"))
        #expect(shown.headers["x-frame-options"] == "DENY")
        #expect(try exchange(login, "ACD-EFG")["error"] as? String == "authorization_pending", "a GET never approves")
        let token = try #require(shown.html.firstMatch(of: /name="form_token" value="([0-9a-f]{64})"/).map { String($0.1) })

        // Posted from another site: the cookie may come along, the token cannot.
        let forged = try page("POST", "/cli/login", form: [("device_code", device), ("public_key", login.publicKey), ("client_name", "evil")], cookie: cookie)
        #expect(forged.status == 403)
        let wrong = try page("POST", "/cli/login", form: [("device_code", device), ("public_key", login.publicKey), ("form_token", String(repeating: "0", count: 64))], cookie: cookie)
        #expect(wrong.status == 403)
        // The page's token with another key (an attacker's CLI swapped in): refused too.
        let swapped = try page("POST", "/cli/login", form: [("device_code", device), ("public_key", CLILogin().publicKey), ("form_token", token)], cookie: cookie)
        #expect(swapped.status == 403)
        #expect(try exchange(login, "ACD-EFG")["error"] as? String == "authorization_pending", "nothing was approved")

        let approved = try page("POST", "/cli/login", form: [("device_code", device), ("public_key", login.publicKey), ("client_name", "cli:ada@laptop"), ("form_token", token)], cookie: cookie)
        #expect(approved.status == 200, "\(approved.html)")
        let code = try #require(approved.html.firstMatch(of: /id="code"[^>]*>([A-Z0-9]{3}-[A-Z0-9]{3})</).map { String($0.1) })
        #expect(approved.html.contains("valid for"))
        let tokens = try exchange(login, code)
        #expect((tokens["refresh_token"] as? String)?.hasPrefix("zcp_rt_") == true, "\(tokens)")

        // The same link again once the CLI has used it: a clear page, no second code.
        let again = try page("POST", "/cli/login", form: [("device_code", device), ("public_key", login.publicKey), ("form_token", token)], cookie: cookie)
        #expect(again.status == 410 && again.html.contains("Run the CLI's login again"))
    }

    /// A person in a real browser (headless Chromium): sent to sign in, back to the link, Approve,
    /// the code read off the page; the CLI exchanges it.
    @Test func aPersonApprovesInARealBrowser() throws {
        let login = CLILogin()
        let browser = try runProgram("/usr/bin/env", arguments: [
            "python3", "Tests/Support/browser/approve-cli-login.py", gateway.baseURL + login.link, "browser-\(UUID().uuidString.prefix(8))@example.test",
        ])
        #expect(browser.status == 0, "\(browser.standardError)")
        let code = try #require(try jsonObject(browser.standardOutput)["code"] as? String)
        #expect((try exchange(login, code)["refresh_token"] as? String)?.hasPrefix("zcp_rt_") == true)
    }

    @Test func aBadLinkGetsAPageNotAnError() throws {
        let cookie = try signIn()
        let bad = try page("GET", "/cli/login?device_code=not-a-uuid", cookie: cookie)
        #expect(bad.status == 400 && bad.html.contains("<h1>"))
        let keyless = try page("GET", "/cli/login?device_code=\(UUID())", cookie: cookie)
        #expect(keyless.status == 400 && keyless.html.contains("incomplete"), "a link without the CLI's key approves nothing")
        // The sign-in never sends anyone off the site.
        let signedIn = try gateway.request("POST", "/dev/sign-in", body: "email=x%40example.test&next=%2F%2Fevil.example%2F",
                                           headers: [("Content-Type", "application/x-www-form-urlencoded")])
        #expect(signedIn.status == 200, "an off-site next is ignored")
    }
}
