import Runtime

/// `GET /api/health`: answers when the function can serve, for uptime checks and smoke tests.
struct Health: HTTPFunction {
    struct Status: Encodable {
        let status: String
        let function: String
        let version: String
    }

    let router: Router

    init(context: InitContext) async throws {
        let status = Status(status: "ok", function: context.functionName, version: context.environment["PLATFORM_VERSION"] ?? "dev")
        var router = Router()
        router.get("/api/health") { _, _ in try .json(status, headers: ["cache-control": "no-store"]) }
        self.router = router
    }
}
