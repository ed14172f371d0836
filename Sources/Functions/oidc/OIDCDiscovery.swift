import Cloud
import Runtime

/// `GET /.well-known/openid-configuration` and `GET /.well-known/jwks.json`: the platform as an
/// OIDC issuer. CLIs and user-facing functions verify platform access tokens with these keys;
/// GCP Workload Identity Federation and Entra ID federated credentials trust them.
struct OIDCDiscovery: HTTPFunction {
    let router: Router

    init(context: InitContext) async throws {
        let keys = try PlatformSigningKeys(environment: context.environment)
        // Both documents are fixed for the life of the process: encode them once, at init.
        let discovery = try APIGatewayV2Response.json(keys.discoveryDocument(), headers: Self.cacheable)
        let jwks = try APIGatewayV2Response.json(try keys.jwks(), headers: Self.cacheable)
        var router = Router()
        router.get("/.well-known/openid-configuration") { _, _ in discovery }
        router.get("/.well-known/jwks.json") { _, _ in jwks }
        self.router = router
    }

    /// Short enough that a newly published key reaches verifiers well before it signs.
    static let cacheable = ["cache-control": "public, max-age=300"]
}
