import Testing
@testable import Runtime

@Suite struct APIGatewayV2Tests {
    @Test func decodesAPayload2EventAndLowercasesHeaders() throws {
        let json = """
        {"version":"2.0","routeKey":"GET /api/scans/{id}","rawPath":"/api/scans/7","rawQueryString":"severity=high&page=2",
         "cookies":["a=b"],"headers":{"Authorization":"Bearer x","X-Forwarded-For":"1.2.3.4"},
         "queryStringParameters":{"severity":"high","page":"2"},"pathParameters":{"id":"7"},
         "requestContext":{"accountId":"123456789012","apiId":"api","http":{"method":"GET","path":"/api/scans/7","protocol":"HTTP/1.1","sourceIp":"1.2.3.4","userAgent":"cli"},
           "requestId":"r-1","routeKey":"GET /api/scans/{id}","stage":"$default","time":"24/Nov/2026:12:00:00 +0000","timeEpoch":1795521600000,
           "authorizer":{"jwt":{"claims":{"sub":"user-1","aud":"cli"},"scopes":null}}},
         "isBase64Encoded":false}
        """
        let event = try JSON.decode(APIGatewayV2Request.self, from: Array(json.utf8))
        #expect(event.header("authorization") == "Bearer x")
        #expect(event.headers["x-forwarded-for"] == "1.2.3.4")
        #expect(event.query("severity") == "high")
        #expect(event.pathParameter("id") == "7")
        #expect(event.method == "GET")
        #expect(event.requestContext.authorizer?.jwt?.claims["sub"] == "user-1")
        #expect(event.cookies == ["a=b"])
        #expect(event.body == nil)
    }

    @Test func refusesOtherPayloadVersions() {
        let json = #"{"version":"1.0","rawPath":"/","requestContext":{"http":{"method":"GET","path":"/"},"requestId":"r"}}"#
        #expect(throws: DecodingError.self) { try JSON.decode(APIGatewayV2Request.self, from: Array(json.utf8)) }
    }

    @Test func responseEncodesAsPayload2() throws {
        let response = try APIGatewayV2Response.json(["ok": true], status: 201, headers: ["cache-control": "no-store"])
        let decoded = try JSON.decode([String: JSONValue].self, from: JSON.encode(response))
        #expect(decoded["statusCode"] == .number(201))
        #expect(decoded["body"] == .string(#"{"ok":true}"#))
    }
}

/// Just enough JSON to compare encoded output in tests.
enum JSONValue: Decodable, Equatable {
    case string(String), number(Double), bool(Bool), object([String: JSONValue]), array([JSONValue]), null
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }
}
