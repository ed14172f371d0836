/// An error a caller can act on, answered as `{"error": code, "error_description": text}` — the
/// OAuth 2.0 shape, used for every HTTP error so clients parse one format.
public struct HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    public let status: Int
    public let error: String
    public let errorDescription: String
    public var headers: [String: String]

    public init(status: Int, error: String, description: String, headers: [String: String] = [:]) {
        self.status = status
        self.error = error
        self.errorDescription = description
        self.headers = headers
    }

    public var description: String { "\(status) \(error): \(errorDescription)" }

    public static func badRequest(_ description: String, error: String = "invalid_request") -> HTTPError {
        HTTPError(status: 400, error: error, description: description)
    }
    public static func unauthorized(_ description: String, error: String = "unauthorized") -> HTTPError {
        HTTPError(status: 401, error: error, description: description, headers: ["www-authenticate": "Bearer"])
    }
    public static func forbidden(_ description: String) -> HTTPError { HTTPError(status: 403, error: "forbidden", description: description) }
    public static func notFound(_ description: String) -> HTTPError { HTTPError(status: 404, error: "not_found", description: description) }
    public static func conflict(_ description: String) -> HTTPError { HTTPError(status: 409, error: "conflict", description: description) }

    /// A token endpoint's error (RFC 6749 §5.2, RFC 8628 §3.5): `invalid_request`, `invalid_grant`,
    /// `expired_token`, `access_denied`, `authorization_pending`; never cached.
    public static func oauth(_ error: String, _ description: String, status: Int = 400) -> HTTPError {
        HTTPError(status: status, error: error, description: description, headers: ["cache-control": "no-store", "pragma": "no-cache"])
    }

    public var response: APIGatewayV2Response {
        struct Body: Encodable {
            let error: String
            let error_description: String
        }
        let body = (try? JSON.encode(Body(error: error, error_description: errorDescription))).map { String(decoding: $0, as: UTF8.self) }
        return APIGatewayV2Response(statusCode: status, headers: ["content-type": "application/json"].merging(headers) { $1 }, body: body)
    }
}
