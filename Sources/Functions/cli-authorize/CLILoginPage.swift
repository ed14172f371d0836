import Database
import Domain
import FoundationEssentials
import Runtime

/// `GET /cli/login?device_code=…&public_key=…&client_name=…` — the page the CLI opens (the seeds' step 1):
/// what is asking, and an explicit Approve button. `POST /cli/login` (the button) approves and
/// shows the 6-character code, large and copyable, with how long it stays valid. A GET never
/// approves. The POST carries an anti-forgery token bound to the user, the device code and the
/// CLI's public key, and
/// the session cookie is `SameSite=Lax`, so another site cannot approve on the user's behalf.
/// Not signed in: to the sign-in page (`PLATFORM_SIGN_IN_URL`, default the local `/dev/sign-in`),
/// which comes back here. The session is the web app's Supabase token, from the `sb-access-token`
/// cookie or an `Authorization: Bearer` header.
enum CLILoginPage {
    static func add(to router: inout Router, verifier: CallerVerifier, credentials: CLICredentials, approval: DeviceApproval, environment: Environment) {
        let signInURL = environment["PLATFORM_SIGN_IN_URL"] ?? "/dev/sign-in"

        router.get("/cli/login") { request, _ in
            guard let deviceCode = request.query("device_code").flatMap(DeviceCode.init),
                  let clientKey = request.query("public_key").flatMap(CLIClientKey.init(base64URL:)) else {
                return page(400, "This login link is incomplete", "<p>Run the CLI's login again and open the link it prints.</p>")
            }
            let clientName = clientName(request.query("client_name"))
            guard let caller = await signedIn(request, verifier) else {
                let back = "/cli/login?" + formURLEncoded([("device_code", deviceCode.value), ("public_key", clientKey.base64URL)]
                    + (clientName.map { [("client_name", $0)] } ?? []))
                return APIGatewayV2Response(statusCode: 303, headers: ["location": "\(signInURL)?\(formURLEncoded([("next", back)]))", "cache-control": "no-store"])
            }
            let token = credentials.approvalFormToken(user: caller.userID, deviceCode: deviceCode, clientKey: clientKey)
            return page(200, "Sign in from a command line?", """
                <p><strong>\(escaped(clientName ?? "A command-line client"))</strong> is asking to act as you on the platform.</p>
                <p>Approve only if you just ran the CLI's login yourself. Asked: \(escaped(Date().formatted(.iso8601))).</p>
                <form method="post" action="/cli/login">
                  <input type="hidden" name="device_code" value="\(escaped(deviceCode.value))">
                  <input type="hidden" name="public_key" value="\(escaped(clientKey.base64URL))">
                  <input type="hidden" name="client_name" value="\(escaped(clientName ?? ""))">
                  <input type="hidden" name="form_token" value="\(token)">
                  <button type="submit" id="approve">Approve</button>
                </form>
                """)
        }

        router.post("/cli/login") { request, context in
            let form = formFields(try request.bodyBytes())
            guard let deviceCode = form["device_code"].flatMap(DeviceCode.init),
                  let clientKey = form["public_key"].flatMap(CLIClientKey.init(base64URL:)) else {
                return page(400, "This login link is incomplete", "<p>Run the CLI's login again and open the link it prints.</p>")
            }
            guard let caller = await signedIn(request, verifier) else {
                return page(401, "Sign in first", "<p>Open the CLI's login link again and sign in.</p>")
            }
            guard let token = form["form_token"],
                  credentials.isValidApprovalFormToken(token, user: caller.userID, deviceCode: deviceCode, clientKey: clientKey) else {
                return page(403, "Not approved", "<p>This approval did not come from the platform's own page. Nothing was approved.</p>")
            }
            switch try await approval(caller: caller, deviceCode: deviceCode, clientKey: clientKey, clientName: clientName(form["client_name"])) {
            case .approved(let code, let expiresAt):
                context.logger.info("cli login approved", metadata: ["user": "\(caller.userID)"])
                let minutes = max(1, Int((expiresAt.timeIntervalSinceNow / 60).rounded()))
                return page(200, "Type this code into the CLI", """
                    <p id="code" style="font: bold 3rem monospace; letter-spacing: .2em; user-select: all">\(escaped(code.displayed))</p>
                    <p>It is valid for \(minutes) minutes, until \(escaped(expiresAt.formatted(.iso8601))), and works once.</p>
                    """)
            case .alreadyApproved:
                return page(409, "Already approved", "<p>This login was approved before: type the code shown then, or run the CLI's login again.</p>")
            case .unavailable:
                return page(410, "This login has expired", "<p>The link was used or is too old. Run the CLI's login again.</p>")
            }
        }
    }

    static func signedIn(_ request: APIGatewayV2Request, _ verifier: CallerVerifier) async -> VerifiedClaims? {
        if request.header("authorization") != nil { return try? await verifier.verify(request) }
        let cookies = (request.cookies ?? []) + (request.header("cookie").map { $0.split(separator: ";").map(String.init) } ?? [])
        for cookie in cookies {
            let pair = cookie.trimmingPrefix(while: \.isWhitespace).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0] == "sb-access-token" { return try? await verifier.verify(token: String(pair[1])) }
        }
        return nil
    }

    /// At most 200 characters, as the approval stores it.
    static func clientName(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return String(text.prefix(200))
    }

    static func formFields(_ body: [UInt8]) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in percentDecoded(text.replacing("+", with: " ")) }
            fields[decode(parts[0])] = parts.count == 2 ? decode(parts[1]) : ""
        }
        return fields
    }

    static func escaped(_ text: String) -> String {
        var output = ""
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.append(character)
            }
        }
        return output
    }

    static func page(_ status: Int, _ title: String, _ body: String) -> APIGatewayV2Response {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <title>\(escaped(title))</title></head>
            <body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto"><h1>\(escaped(title))</h1>
            \(body)
            </body></html>
            """
        return APIGatewayV2Response(statusCode: status, headers: [
            "content-type": "text/html; charset=utf-8", "cache-control": "no-store",
            // The page is never framed (clickjacking the Approve button) and runs no script.
            "x-frame-options": "DENY", "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
        ], body: html)
    }
}
