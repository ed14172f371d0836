import Database
import Domain
import FoundationEssentials
import Runtime
import TerraformRuns

/// Terraform's `http` state backend, per workspace and stack, for a user's own terminal — the
/// same states and locks the platform's runs use:
///
/// - `GET|POST|DELETE /api/terraform/state/{workspace}/{stack}` — read, write (`?ID=<lock id>`
///   while locked), forget the state;
/// - `POST|DELETE /api/terraform/state/{workspace}/{stack}/lock` — take and release the lock
///   (Terraform's `lock_method = "POST"`, `unlock_method = "DELETE"`); a held lock answers 423
///   with its holder's LockInfo, as Terraform expects.
///
/// The token is the password of Terraform's basic auth (`TF_HTTP_PASSWORD=$(zcp token)`) or a
/// bearer token. Owners and admins only: a state can hold the secrets of what it describes.
struct TerraformState: HTTPFunction {
    /// The largest state accepted (Lambda's request payload limit is 6 MB).
    static let maximumStateBytes = 5 << 20

    struct LockInfo: Codable {
        let ID: String
    }

    let router: Router

    init(context: InitContext) async throws {
        let database = try Database(environment: context.environment, applicationName: context.functionName)
        let verifier = try await CallerVerifier(configuration: .init(environment: context.environment))
        let store = TerraformStateStore(seal: try TerraformStateSeal(configuration: try context.environment.required("TERRAFORM_STATE_KEYS")))

        /// The caller, the workspace and stack named in the path, and the caller's session — after
        /// checking the caller is an owner or admin of the workspace.
        let admitted: @Sendable (APIGatewayV2Request) async throws -> (session: UserSession, workspace: UUID, stack: TerraformStack) = { (request: APIGatewayV2Request) async throws -> (session: UserSession, workspace: UUID, stack: TerraformStack) in
            let caller = try await verifier.verify(token: try Self.token(request))
            guard let workspace = request.pathParameter("workspace").flatMap(UUID.init(uuidString:)) else {
                throw HTTPError.badRequest("the workspace id must be a UUID")
            }
            guard let stack = request.pathParameter("stack").flatMap(TerraformStack.init) else {
                throw HTTPError.badRequest("the stack must be 1-64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit")
            }
            let session = database.userSession(caller)
            guard let row = try await session.query(
                "SELECT id IN (SELECT private.admin_organization_ids()) AS admin FROM public.organizations WHERE id = $1", workspace).first else {
                throw HTTPError.notFound("no such workspace")
            }
            guard try row["admin"] as Bool else { throw HTTPError.forbidden("Terraform state is for the workspace's owners and admins") }
            return (session, workspace, stack)
        }

        var router = Router()
        let path = "/api/terraform/state/{workspace}/{stack}"
        router.get(path) { request, _ in
            let (session, workspace, stack) = try await admitted(request)
            guard let state = try await store.read(workspace: workspace, stack: stack, session: session) else {
                return .noContent()  // no state yet: Terraform starts from nothing
            }
            return APIGatewayV2Response(statusCode: 200, headers: ["content-type": "application/json", "cache-control": "no-store"],
                                        body: String(decoding: state, as: UTF8.self))
        }
        router.post(path) { request, context in
            let (session, workspace, stack) = try await admitted(request)
            let state = try request.bodyBytes()
            guard !state.isEmpty, state.count <= Self.maximumStateBytes else {
                throw HTTPError.badRequest("the state must be Terraform's JSON state, at most 5 MiB")
            }
            let change = try await store.write(state, workspace: workspace, stack: stack, lockID: request.query("ID"),
                                               by: session.claims.userID, session: session)
            context.logger.info("terraform state written", metadata: ["workspace": "\(workspace)", "stack": "\(stack)"])
            return try Self.answer(change)
        }
        router.delete(path) { request, _ in
            let (session, workspace, stack) = try await admitted(request)
            return try Self.answer(try await store.delete(workspace: workspace, stack: stack, lockID: request.query("ID"), session: session))
        }
        router.post(path + "/lock") { request, _ in
            let (session, workspace, stack) = try await admitted(request)
            let (id, info) = try Self.lockInfo(request)
            return try Self.answer(try await store.lock(workspace: workspace, stack: stack, id: id, info: info, session: session))
        }
        router.delete(path + "/lock") { request, _ in
            let (session, workspace, stack) = try await admitted(request)
            // `terraform force-unlock ID` and a normal unlock both name the lock they release.
            let id = try request.bodyBytes().isEmpty ? nil : try Self.lockInfo(request).0
            return try Self.answer(try await store.unlock(workspace: workspace, stack: stack, id: id, session: session))
        }
        self.router = router
    }

    /// Terraform's LockInfo: its `ID`, and the document kept as it came (checked to be JSON).
    static func lockInfo(_ request: APIGatewayV2Request) throws -> (String, JSONText) {
        let info = try request.decodeBody(AttributeValue.self)
        guard let id = info["ID"].string, (1...128).contains(id.utf8.count), !id.utf8.contains(0) else {
            throw HTTPError.badRequest("the body must be Terraform's LockInfo with an ID of at most 128 characters")
        }
        let text = try JSONText(encoding: info)
        guard text.text.utf8.count <= 16 << 10 else { throw HTTPError.badRequest("the LockInfo is larger than 16 KiB") }
        return (id, text)
    }

    /// 200 when done; 423 with the holder's LockInfo (Terraform prints who holds it) when locked.
    static func answer(_ change: TerraformStateStore.Change) throws -> APIGatewayV2Response {
        switch change {
        case .done:
            return APIGatewayV2Response(statusCode: 200, headers: ["content-type": "application/json"], body: "{}")
        case .locked(let lock):
            return APIGatewayV2Response(statusCode: 423, headers: ["content-type": "application/json"], body: lock.info.text)
        }
    }

    /// Terraform's http backend sends basic auth (the token as password); curl users send a bearer.
    static func token(_ request: APIGatewayV2Request) throws -> String {
        guard let header = request.header("authorization") else {
            throw HTTPError.unauthorized("credentials are required: Terraform's TF_HTTP_PASSWORD (an access token from `zcp token`) or Authorization: Bearer")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { throw HTTPError.unauthorized("the Authorization header must be 'Bearer <token>' or 'Basic <credentials>'") }
        switch parts[0].lowercased() {
        case "bearer":
            return String(parts[1])
        case "basic":
            guard let decoded = Data(base64Encoded: String(parts[1])), let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else {
                throw HTTPError.unauthorized("the basic credentials are malformed")
            }
            return String(decoding: decoded[(colon + 1)...], as: UTF8.self)
        default:
            throw HTTPError.unauthorized("the Authorization header must be 'Bearer <token>' or 'Basic <credentials>'")
        }
    }
}
