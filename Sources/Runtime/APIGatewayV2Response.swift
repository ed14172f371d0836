/// An API Gateway HTTP API response, payload format 2.0.
public struct APIGatewayV2Response: Codable, Sendable, Equatable {
    public var statusCode: Int
    public var headers: [String: String]?
    public var body: String?
    public var isBase64Encoded: Bool?
    public var cookies: [String]?

    public init(statusCode: Int, headers: [String: String]? = nil, body: String? = nil, isBase64Encoded: Bool? = nil, cookies: [String]? = nil) {
        self.statusCode = statusCode
        self.headers = headers
        self.body = body
        self.isBase64Encoded = isBase64Encoded
        self.cookies = cookies
    }

    /// A JSON response; `extraHeaders` are added to `Content-Type: application/json`.
    public static func json<T: Encodable>(_ value: T, status: Int = 200, headers extraHeaders: [String: String] = [:]) throws -> APIGatewayV2Response {
        let body = String(decoding: try JSON.encode(value), as: UTF8.self)
        return APIGatewayV2Response(statusCode: status, headers: ["content-type": "application/json"].merging(extraHeaders) { $1 }, body: body)
    }

    public static func noContent() -> APIGatewayV2Response { APIGatewayV2Response(statusCode: 204) }
}
