import Logging
import Testing
@testable import Runtime

private func request(_ method: String, _ path: String, body: String? = nil, base64: Bool = false) -> APIGatewayV2Request {
    APIGatewayV2Request(
        routeKey: "$default", rawPath: path,
        requestContext: .init(http: .init(method: method, path: path), requestId: "test-request"),
        body: body, isBase64Encoded: base64)
}

private let context = LambdaContext(requestID: "test", deadlineMilliseconds: Int64.max, invokedFunctionARN: "", traceID: nil, logger: Logger(label: "test"))

private struct Created: Codable, Equatable { let id: String; let name: String }

private func makeRouter() -> Router {
    var router = Router()
    router.get("/api/scans/{id}") { request, _ in try .json(["route": "scan", "id": request.pathParameter("id") ?? ""]) }
    router.get("/api/scans/latest") { _, _ in try .json(["route": "latest"]) }
    router.get("/files/{path+}") { request, _ in try .json(["path": request.pathParameter("path") ?? ""]) }
    router.post("/api/things") { request, _ in
        struct Input: Decodable { let name: String }
        let input = try request.decodeBody(Input.self)
        return try .json(Created(id: "1", name: input.name), status: 201)
    }
    router.delete("/api/things/{id}") { _, _ in throw HTTPError.notFound("no such thing") }
    return router
}

@Suite struct RouterTests {
    let router = makeRouter()

    func body(_ response: APIGatewayV2Response) -> [String: String] {
        (try? JSON.decode([String: String].self, from: Array((response.body ?? "").utf8))) ?? [:]
    }

    @Test func capturesPathParameters() async throws {
        let response = try await router.respond(to: request("GET", "/api/scans/abc%20def"), context: context)
        #expect(response.statusCode == 200)
        #expect(body(response) == ["route": "scan", "id": "abc def"])
    }

    @Test func literalSegmentsWinOverParametersWhateverTheOrder() async throws {
        let response = try await router.respond(to: request("GET", "/api/scans/latest"), context: context)
        #expect(body(response) == ["route": "latest"])
    }

    @Test func greedyParameterTakesTheRest() async throws {
        let response = try await router.respond(to: request("GET", "/files/a/b/c.txt"), context: context)
        #expect(body(response) == ["path": "a/b/c.txt"])
    }

    @Test func unknownPathIs404JSON() async throws {
        let response = try await router.respond(to: request("GET", "/nowhere"), context: context)
        #expect(response.statusCode == 404)
        #expect(body(response)["error"] == "not_found")
        #expect(response.headers?["content-type"] == "application/json")
    }

    @Test func wrongMethodIs405WithAllow() async throws {
        let response = try await router.respond(to: request("PUT", "/api/things"), context: context)
        #expect(response.statusCode == 405)
        #expect(response.headers?["allow"] == "POST")
    }

    @Test func decodesJSONBodies() async throws {
        let response = try await router.respond(to: request("POST", "/api/things", body: #"{"name":"vpc"}"#), context: context)
        #expect(response.statusCode == 201)
        #expect(try JSON.decode(Created.self, from: Array(response.body!.utf8)) == Created(id: "1", name: "vpc"))
    }

    @Test func decodesBase64Bodies() async throws {
        let response = try await router.respond(to: request("POST", "/api/things", body: "eyJuYW1lIjoiYjY0In0=", base64: true), context: context)
        #expect(try JSON.decode(Created.self, from: Array(response.body!.utf8)).name == "b64")
    }

    @Test(arguments: [nil, "not json", #"{"nom":"x"}"#, #"{"name":5}"#])
    func badBodiesAre400WithAReason(bodyText: String?) async throws {
        let response = try await router.respond(to: request("POST", "/api/things", body: bodyText), context: context)
        #expect(response.statusCode == 400)
        let error = body(response)
        #expect(error["error"] == "invalid_request")
        #expect(!(error["error_description"] ?? "").isEmpty)
    }

    @Test func thrownHTTPErrorBecomesItsResponse() async throws {
        let response = try await router.respond(to: request("DELETE", "/api/things/9"), context: context)
        #expect(response.statusCode == 404)
        #expect(body(response) == ["error": "not_found", "error_description": "no such thing"])
    }
}
