/// The routes one function serves, read like a table:
///
///     var router = Router()
///     router.get("/api/scans") { request, context in ... }
///     router.post("/api/cloud-identities/{id}/scans") { request, context in ... }
///
/// Paths match segment by segment; `{name}` captures one segment, `{name+}` the rest. Matching
/// uses the request's own path, so a function answers the same behind API Gateway, the local
/// gateway, or a raw event. An `HTTPError` thrown by a route becomes its JSON response.
public struct Router: Sendable {
    public typealias Responder = @Sendable (APIGatewayV2Request, LambdaContext) async throws -> APIGatewayV2Response

    struct Route: Sendable {
        let method: String
        let pattern: PathPattern
        let responder: Responder
    }

    private var routes: [Route] = []

    public init() {}

    public mutating func on(_ method: String, _ path: String, _ responder: @escaping Responder) {
        routes.append(Route(method: method.uppercased(), pattern: PathPattern(path), responder: responder))
        // Most specific first, so `/scans/latest` is tried before `/scans/{id}`; ties keep their order.
        routes = routes.enumerated().sorted { lhs, rhs in
            lhs.element.pattern.specificity != rhs.element.pattern.specificity
                ? lhs.element.pattern.specificity.lexicographicallyPrecedes(rhs.element.pattern.specificity) == false
                : lhs.offset < rhs.offset
        }.map(\.element)
    }

    public mutating func get(_ path: String, _ responder: @escaping Responder) { on("GET", path, responder) }
    public mutating func post(_ path: String, _ responder: @escaping Responder) { on("POST", path, responder) }
    public mutating func put(_ path: String, _ responder: @escaping Responder) { on("PUT", path, responder) }
    public mutating func delete(_ path: String, _ responder: @escaping Responder) { on("DELETE", path, responder) }

    public func respond(to request: APIGatewayV2Request, context: LambdaContext) async throws -> APIGatewayV2Response {
        var allowed: [String] = []
        for route in routes {
            guard let parameters = route.pattern.match(request.rawPath) else { continue }
            guard route.method == request.method || route.method == "ANY" else {
                allowed.append(route.method)
                continue
            }
            var matched = request
            matched.pathParameters = (request.pathParameters ?? [:]).merging(parameters) { $1 }
            do {
                return try await route.responder(matched, context)
            } catch {
                return Self.response(for: error, context: context)
            }
        }
        if !allowed.isEmpty {
            return HTTPError(status: 405, error: "method_not_allowed", description: "\(request.method) is not allowed on \(request.rawPath)",
                             headers: ["allow": allowed.joined(separator: ", ")]).response
        }
        return HTTPError.notFound("no route for \(request.method) \(request.rawPath)").response
    }
}

extension Router {
    /// Every failure answers in the platform's JSON shape: a handler's `HTTPError` as it is, an
    /// error that knows its HTTP meaning by it, anything else as a 500 that names the request id.
    static func response(for error: any Error, context: LambdaContext) -> APIGatewayV2Response {
        let answer: HTTPError
        switch error {
        case let error as HTTPError: answer = error
        case let error as HTTPErrorConvertible: answer = error.httpError
        default: answer = .internalError(requestID: context.requestID)
        }
        if answer.status >= 500 {
            context.logger.error("request failed", metadata: [
                "status": "\(answer.status)", "error": "\(answer.error)", "errorType": "\(FunctionError.typeName(of: error))",
                // Database and AWS messages name tables, codes and ARNs, never a credential.
                "detail": "\(String(describing: error).prefix(500))",
            ])
        }
        return answer.response
    }
}

/// A route path such as `/api/cloud-identities/{id}`; shared with the gateway, which matches the
/// template's routes the same way.
public struct PathPattern: Sendable, Equatable {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
        case greedy(String)
    }

    let segments: [Segment]
    public let path: String

    public init(_ path: String) {
        self.path = path
        segments = path.split(separator: "/").map { part in
            if part.hasPrefix("{"), part.hasSuffix("+}") { return .greedy(String(part.dropFirst().dropLast(2))) }
            if part.hasPrefix("{"), part.hasSuffix("}") { return .parameter(String(part.dropFirst().dropLast())) }
            return .literal(String(part))
        }
    }

    /// The captured parameters (percent-decoded), or nil when the path does not match.
    public func match(_ path: String) -> [String: String]? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var parameters: [String: String] = [:]
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .greedy(let name):
                guard index < parts.count else { return nil }
                parameters[name] = parts[index...].map { percentDecoded($0) }.joined(separator: "/")
                return parameters
            case .literal(let literal):
                guard index < parts.count, parts[index] == literal else { return nil }
            case .parameter(let name):
                guard index < parts.count else { return nil }
                parameters[name] = percentDecoded(parts[index])
            }
        }
        return parts.count == segments.count ? parameters : nil
    }

    /// Literal segments count for more than parameters, so `/scans/latest` wins over `/scans/{id}`.
    public var specificity: [Int] {
        segments.map { segment in
            switch segment {
            case .literal: 2
            case .parameter: 1
            case .greedy: 0
            }
        }
    }
}
