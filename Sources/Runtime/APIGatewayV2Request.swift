import FoundationEssentials

/// An API Gateway HTTP API request, payload format 2.0.
public struct APIGatewayV2Request: Codable, Sendable {
    public struct RequestContext: Codable, Sendable {
        public struct HTTP: Codable, Sendable {
            public var method: String
            public var path: String
            public var `protocol`: String?
            public var sourceIp: String?
            public var userAgent: String?

            public init(method: String, path: String, protocol: String? = "HTTP/1.1", sourceIp: String? = nil, userAgent: String? = nil) {
                self.method = method
                self.path = path
                self.protocol = `protocol`
                self.sourceIp = sourceIp
                self.userAgent = userAgent
            }
        }

        public struct Authorizer: Codable, Sendable {
            public struct JWT: Codable, Sendable {
                public var claims: [String: String]
                public var scopes: [String]?
            }
            public var jwt: JWT?
        }

        public var accountId: String?
        public var apiId: String?
        public var domainName: String?
        public var http: HTTP
        public var requestId: String
        public var routeKey: String?
        public var stage: String?
        public var time: String?
        public var timeEpoch: Int64?
        public var authorizer: Authorizer?

        public init(http: HTTP, requestId: String, routeKey: String? = nil, accountId: String? = nil, apiId: String? = nil, domainName: String? = nil,
                    stage: String? = "$default", time: String? = nil, timeEpoch: Int64? = nil) {
            self.http = http
            self.requestId = requestId
            self.routeKey = routeKey
            self.accountId = accountId
            self.apiId = apiId
            self.domainName = domainName
            self.stage = stage
            self.time = time
            self.timeEpoch = timeEpoch
        }
    }

    public var version: String
    public var routeKey: String
    public var rawPath: String
    public var rawQueryString: String
    public var cookies: [String]?
    /// Lowercased names; repeated headers joined with commas, as API Gateway does.
    public var headers: [String: String]
    public var queryStringParameters: [String: String]?
    public var pathParameters: [String: String]?
    public var stageVariables: [String: String]?
    public var requestContext: RequestContext
    public var body: String?
    public var isBase64Encoded: Bool

    public init(routeKey: String, rawPath: String, rawQueryString: String = "", headers: [String: String] = [:],
                queryStringParameters: [String: String]? = nil, pathParameters: [String: String]? = nil, cookies: [String]? = nil,
                requestContext: RequestContext, body: String? = nil, isBase64Encoded: Bool = false) {
        self.version = "2.0"
        self.routeKey = routeKey
        self.rawPath = rawPath
        self.rawQueryString = rawQueryString
        self.cookies = cookies
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }) { "\($0),\($1)" }
        self.queryStringParameters = queryStringParameters
        self.pathParameters = pathParameters
        self.requestContext = requestContext
        self.body = body
        self.isBase64Encoded = isBase64Encoded
    }

    enum CodingKeys: String, CodingKey {
        case version, routeKey, rawPath, rawQueryString, cookies, headers, queryStringParameters, pathParameters, stageVariables, requestContext, body, isBase64Encoded
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decode(String.self, forKey: .version)
        guard version == "2.0" else {
            throw DecodingError.dataCorruptedError(forKey: .version, in: container, debugDescription: "payload format \(version) is not 2.0")
        }
        routeKey = try container.decodeIfPresent(String.self, forKey: .routeKey) ?? "$default"
        rawPath = try container.decode(String.self, forKey: .rawPath)
        rawQueryString = try container.decodeIfPresent(String.self, forKey: .rawQueryString) ?? ""
        cookies = try container.decodeIfPresent([String].self, forKey: .cookies)
        let rawHeaders = try container.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        headers = Dictionary(rawHeaders.map { ($0.key.lowercased(), $0.value) }) { "\($0),\($1)" }
        queryStringParameters = try container.decodeIfPresent([String: String].self, forKey: .queryStringParameters)
        pathParameters = try container.decodeIfPresent([String: String].self, forKey: .pathParameters)
        stageVariables = try container.decodeIfPresent([String: String].self, forKey: .stageVariables)
        requestContext = try container.decode(RequestContext.self, forKey: .requestContext)
        body = try container.decodeIfPresent(String.self, forKey: .body)
        isBase64Encoded = try container.decodeIfPresent(Bool.self, forKey: .isBase64Encoded) ?? false
    }

    public var method: String { requestContext.http.method.uppercased() }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    public func query(_ name: String) -> String? { queryStringParameters?[name] }

    public func pathParameter(_ name: String) -> String? { pathParameters?[name] }

    /// The body's bytes, base64-decoded when API Gateway encoded it.
    public func bodyBytes() throws(HTTPError) -> [UInt8] {
        guard let body else { return [] }
        guard isBase64Encoded else { return Array(body.utf8) }
        guard let data = Data(base64Encoded: body) else { throw .badRequest("the body is not valid base64") }
        return Array(data)
    }

    /// The body as `T`, or a 400 that says what is wrong with it.
    public func decodeBody<T: Decodable>(_ type: T.Type) throws(HTTPError) -> T {
        let bytes = try bodyBytes()
        guard !bytes.isEmpty else { throw .badRequest("a JSON body is required") }
        do {
            return try JSON.decode(type, from: bytes)
        } catch {
            throw .badRequest("invalid JSON body: \(describe(decodingError: error))")
        }
    }
}
