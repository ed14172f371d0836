import Database
import FoundationEssentials
import Runtime

/// `DELETE /api/cloud-identities/{id}` — a workspace admin ends the platform's access to a cloud
/// account in one step: the stored ARN and external-ID hash are removed, the identity is marked
/// revoked and its pending scans are cancelled. Revoking again changes nothing and answers the same.
struct Revoke: HTTPFunction {
    let router: Router

    init(context: InitContext) async throws {
        let database = try Database(environment: context.environment, applicationName: context.functionName)
        let verifier = try await CallerVerifier(configuration: .init(environment: context.environment))
        var router = Router()
        router.delete("/api/cloud-identities/{id}") { request, context in
            let caller = try await verifier.verify(request)
            guard let id = request.pathParameter("id").flatMap(UUID.init(uuidString:)) else {
                throw HTTPError.badRequest("the cloud identity id must be a UUID")
            }
            let outcome: String? = try await database.userSession(caller).query(
                "SELECT private.revoke_cloud_identity($1, 'revoked by a workspace admin') AS outcome", id).first?["outcome"]
            switch outcome {
            case "revoked":
                context.logger.info("cloud identity revoked", metadata: ["cloudIdentity": "\(id)"])
                return .noContent()
            case "forbidden":
                throw HTTPError.forbidden("only a workspace owner or admin can revoke a cloud identity")
            default:
                throw HTTPError.notFound("no such cloud identity")
            }
        }
        self.router = router
    }
}
