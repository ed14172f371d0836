import Cloud
import Database
import Domain
import Runtime

/// `POST /api/auth/cli/refresh` `{"refresh_token"}` — a new access token and a new refresh token;
/// the presented one is used up. Presenting a used one again revokes the whole session, unless
/// it comes within seconds of its rotation (two CLI processes racing): that one just fails.
struct CLIRefresh: HTTPFunction {
    struct Refresh: Decodable {
        let refresh_token: String
    }

    let router: Router

    init(context: InitContext) async throws {
        let database = try Database(environment: context.environment, applicationName: context.functionName)
        let keys = try PlatformSigningKeys(environment: context.environment)
        var router = Router()
        router.post("/api/auth/cli/refresh") { request, context in
            let refresh = try request.decodeBody(Refresh.self)
            guard let presented = RefreshToken(presented: refresh.refresh_token) else {
                throw HTTPError.oauth("invalid_grant", "the refresh token is not valid")
            }
            let next = RefreshToken.generate()
            let row = try await database.anonymousSession().query(
                "SELECT * FROM private.cli_rotate_refresh_token($1, $2, make_interval(secs => $3), make_interval(secs => $4))",
                Bytes(CLICredentials.hash(presented)), Bytes(CLICredentials.hash(next)),
                Int(CLILoginPolicy.concurrentRefreshGrace.components.seconds), Int(CLILoginPolicy.idleLifetime.components.seconds)).first
            switch try row?["outcome"] as String? {
            case "rotated":
                return try await TokenResponse.make(
                    keys: keys, user: try row!["user_id"], session: try row!["session_id"], refreshToken: next.value,
                    audience: CLILoginPolicy.accessTokenAudience, lifetime: CLILoginPolicy.accessTokenLifetime)
            case "reused":
                let session: String = try row!["session_id"]
                context.logger.warning("refresh token reused; session revoked", metadata: ["session": "\(session)"])
                throw HTTPError.oauth("invalid_grant", "this refresh token was already used, so the session has been ended: log in again")
            case "expired":
                throw HTTPError.oauth("invalid_grant", "the session has expired: log in again")
            default:
                throw HTTPError.oauth("invalid_grant", "the refresh token is not valid")
            }
        }
        self.router = router
    }
}
