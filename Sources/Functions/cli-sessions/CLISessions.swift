import Database
import FoundationEssentials
import Runtime

/// `GET /api/auth/cli/sessions` — the caller's live CLI sessions, each named by the device that
/// logged in (`cli:<user>@<host>`), with when it began and was last used (its last refresh, so
/// within the 15-minute life of an access token) and when it ends unless used again.
/// `DELETE /api/auth/cli/sessions/{id}` — ends one (a lost laptop): its access tokens stop working
/// at once and its refresh token with them. Personal: another user's session is not found.
struct CLISessions: HTTPFunction {
    struct Session: Encodable {
        let id: UUID
        let client_name: String?
        let created_at: Date
        let last_used_at: Date
        let expires_at: Date
        /// The session the request itself was made with.
        let current: Bool
    }

    struct Listing: Encodable {
        let items: [Session]
    }

    let router: Router

    init(context: InitContext) async throws {
        let database = try Database(environment: context.environment, applicationName: context.functionName)
        let verifier = try await CallerVerifier(configuration: .init(environment: context.environment))

        var router = Router()
        router.get("/api/auth/cli/sessions") { request, _ in
            let caller = try await verifier.verify(request)
            let rows = try await database.userSession(caller).query("""
                SELECT id, client_name, created_at, last_used_at, least(idle_expires_at, expires_at) AS ends_at
                FROM public.cli_sessions
                WHERE revoked_at IS NULL AND expires_at > now() AND idle_expires_at > now()
                ORDER BY created_at DESC, id DESC LIMIT 200
                """).rows
            let items = try rows.map { row in
                let id: UUID = try row["id"]
                return Session(id: id, client_name: try row["client_name"], created_at: try row["created_at"], last_used_at: try row["last_used_at"],
                               expires_at: try row["ends_at"], current: id == caller.cliSessionID)
            }
            return try .json(Listing(items: items), headers: ["cache-control": "no-store"])
        }

        router.delete("/api/auth/cli/sessions/{id}") { request, context in
            let caller = try await verifier.verify(request)
            guard let id = request.pathParameter("id").flatMap(UUID.init(uuidString:)) else {
                throw HTTPError.badRequest("the session id must be a UUID")
            }
            let outcome: String? = try await database.userSession(caller).query("SELECT private.cli_revoke_session($1) AS outcome", id).first?["outcome"]
            switch outcome {
            case "revoked":
                context.logger.info("cli session revoked by its user", metadata: ["session": "\(id)"])
                return .noContent()
            case "already_ended":
                return .noContent()
            default:
                throw HTTPError.notFound("no such CLI session")
            }
        }
        self.router = router
    }
}
