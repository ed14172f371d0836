@_spi(Privileged) import Database
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import JWTKit

/// `/dev/sign-in`: a local stand-in for the web app's Supabase sign-in, so a newcomer on
/// `make run` gets a session without minting a JWT by hand. `POST {"email"}` (JSON or a form)
/// picks the local user with that email, or makes one, and answers a GoTrue-shaped HS256 session
/// token signed with the local `SUPABASE_JWT_SECRET` (also set as the `sb-access-token` cookie);
/// `GET` shows a form. It lives in the gateway, which is never deployed, and exists only when
/// `PLATFORM_DEV_SIGN_IN=1` (`make run` sets it; tests prove the route is absent without it).
struct LocalSignIn: Sendable {
    static let path = "/dev/sign-in"
    static let lifetimeSeconds = 3600

    let database: Database
    let keys: JWTKeyCollection

    /// nil unless `PLATFORM_DEV_SIGN_IN=1`; then `MIGRATION_DATABASE_URL` (to make users, as
    /// GoTrue would) and `SUPABASE_JWT_SECRET` are required.
    static func fromEnvironment(_ environment: [String: String]) async throws -> LocalSignIn? {
        guard environment["PLATFORM_DEV_SIGN_IN"] == "1" else { return nil }
        guard let url = environment["MIGRATION_DATABASE_URL"], let secret = environment["SUPABASE_JWT_SECRET"] else {
            throw TemplateError(description: "PLATFORM_DEV_SIGN_IN=1 needs MIGRATION_DATABASE_URL and SUPABASE_JWT_SECRET")
        }
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return LocalSignIn(database: try Database(url: url, applicationName: "gateway-dev-sign-in"), keys: keys)
    }

    struct Session: JWTPayload {
        let sub: String, aud: String, role: String, email: String, session_id: String, iat: Int, exp: Int
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    struct Answer: Encodable {
        struct User: Encodable { let id: String, email: String }
        let access_token: String
        let token_type = "bearer"
        let expires_in: Int
        let user: User
    }

    func respond(to request: Request, body: [UInt8]) async -> Response {
        guard request.method == .post else {
            guard request.method == .get else { return HTTPEventMapping.error(.methodNotAllowed, "method_not_allowed", "GET or POST \(Self.path)") }
            let next = request.uri.queryParameters["next"].map(String.init).flatMap(Self.sameSitePath) ?? ""
            return Self.html(Self.form.replacingOccurrences(of: "NEXT", with: Self.attribute(next)))
        }
        let text = String(decoding: body, as: UTF8.self)
        let email = (try? JSONDecoder().decode([String: String].self, from: Data(body)))?["email"]
            ?? text.split(separator: "&").first { $0.hasPrefix("email=") }.map { percentDecodedForm(String($0.dropFirst(6))) }
        guard let email = email.flatMap(EmailAddress.init) else {
            return HTTPEventMapping.error(.badRequest, "invalid_request", "send {\"email\": \"ada@example.test\"}: any address, a local user is made for it")
        }
        do {
            let results = try await database.runAsConnectedRole([
                Statement("INSERT INTO auth.users (id, email) SELECT gen_random_uuid(), $1::text WHERE NOT EXISTS (SELECT 1 FROM auth.users WHERE lower(email) = $1::text)",
                          email.normalized),
                Statement("SELECT id FROM auth.users WHERE lower(email) = $1 ORDER BY created_at, id LIMIT 1", email.normalized),
            ])
            let id: UUID = try results[1].first!["id"]
            let now = Int(Date().timeIntervalSince1970)
            let token = try await keys.sign(Session(
                sub: id.uuidString.lowercased(), aud: "authenticated", role: "authenticated", email: email.normalized,
                session_id: UUID().uuidString.lowercased(), iat: now, exp: now + Self.lifetimeSeconds))
            let answer = Answer(access_token: token, expires_in: Self.lifetimeSeconds, user: .init(id: id.uuidString.lowercased(), email: email.normalized))
            // From the form with somewhere to go back to (the CLI approval page): there, signed in.
            let next = text.split(separator: "&").first { $0.hasPrefix("next=") }.map { percentDecodedForm(String($0.dropFirst(5))) }.flatMap(Self.sameSitePath)
            var response: Response
            if let next { response = Response(status: .seeOther, headers: [.location: next]) }
            else { response = HTTPEventMapping.json(.ok, Array(try JSONEncoder().encode(answer))) }
            response.headers[.setCookie] = "sb-access-token=\(token); Path=/; Max-Age=\(Self.lifetimeSeconds); HttpOnly; SameSite=Lax"
            response.headers[.cacheControl] = "no-store"
            return response
        } catch {
            return HTTPEventMapping.error(.internalServerError, "server_error", "the local sign-in failed: \(error)")
        }
    }

    static let form = """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Local sign-in</title></head>
        <body><h1>Local sign-in</h1><p>Development only: any email signs in as a local user.</p>
        <form method="post" action="/dev/sign-in"><input type="hidden" name="next" value="NEXT"><label>Email <input name="email" type="email" required autofocus></label>
        <button type="submit">Sign in</button></form></body></html>
        """

    /// Only a path on this site (`/…`, not `//host`): the sign-in is no open redirect.
    static func sameSitePath(_ text: String) -> String? {
        text.hasPrefix("/") && !text.hasPrefix("//") && !text.contains("\\") && !text.isEmpty ? text : nil
    }

    static func attribute(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "<", with: "&lt;")
    }

    static func html(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

private func percentDecodedForm(_ text: String) -> String {
    let spaced = text.replacingOccurrences(of: "+", with: " ")
    return spaced.removingPercentEncoding ?? spaced
}
