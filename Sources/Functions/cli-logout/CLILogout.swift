import Database
import Domain
import Runtime

/// `POST /api/auth/cli/logout` `{"refresh_token"}` — ends the CLI session (every refresh token of
/// it). Answers 200 whether or not the token was live, as token revocation does (RFC 7009), so
/// the endpoint tells nobody which tokens exist.
struct CLILogout: HTTPFunction {
    struct Logout: Decodable {
        let refresh_token: String
    }

    struct Done: Encodable {}

    let router: Router

    init(context: InitContext) async throws {
        let database = try Database(environment: context.environment, applicationName: context.functionName)
        var router = Router()
        router.post("/api/auth/cli/logout") { request, context in
            let logout = try request.decodeBody(Logout.self)
            if let token = RefreshToken(presented: logout.refresh_token) {
                let ended: Bool = try await database.anonymousSession().query(
                    "SELECT private.cli_end_session($1) AS ended", Bytes(CLICredentials.hash(token))).first?["ended"] ?? false
                if ended { context.logger.info("cli session ended") }
            }
            return try .json(Done(), headers: ["cache-control": "no-store"])
        }
        self.router = router
    }
}
