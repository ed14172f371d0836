import Foundation
import Testing

/// The deployment template itself, served by the gateway: every route answers as deployed.
@Suite(.serialized) struct ProjectTemplateTests {
    let gateway: GatewayProcess

    init() throws {
        gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8))
    }

    @Test func healthAnswers() throws {
        let response = try gateway.request("GET", "/api/health")
        #expect(response.status == 200)
        #expect(try jsonObject(response.body)["status"] as? String == "ok")
    }

    @Test func thePlatformIsAnOIDCIssuer() throws {
        let issuer = try #require(ProcessInfo.processInfo.environment["PLATFORM_URL"])
        let discovery = try gateway.request("GET", "/.well-known/openid-configuration")
        #expect(discovery.status == 200)
        #expect(discovery.header("cache-control") == "public, max-age=300")
        let document = try jsonObject(discovery.body)
        #expect(document["issuer"] as? String == issuer)
        #expect(document["jwks_uri"] as? String == "\(issuer)/.well-known/jwks.json")

        let jwks = try gateway.request("GET", "/.well-known/jwks.json")
        #expect(jwks.status == 200)
        let keys = try #require(try jsonObject(jwks.body)["keys"] as? [[String: Any]])
        #expect(keys.count == 1)
        #expect(keys.first?["kty"] as? String == "RSA")
        #expect(keys.first?["alg"] as? String == "RS256")
        #expect(keys.first?["kid"] as? String == "local-1")
        #expect(keys.first?["d"] == nil, "a private key part was published")
        #expect((keys.first?["n"] as? String)?.count ?? 0 > 300)
    }
}
