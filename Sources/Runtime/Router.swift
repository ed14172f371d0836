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
            } catch let error as HTTPError {
                if error.status >= 500 {
                    context.logger.error("request failed", metadata: ["status": "\(error.status)", "error": "\(error.error)"])
                }
                return error.response
            }
        }
        if !allowed.isEmpty {
            return HTTPError(status: 405, error: "method_not_allowed", description: "\(request.method) is not allowed on \(request.rawPath)",
                             headers: ["allow": allowed.joined(separator: ", ")]).response
        }
        return HTTPError.notFound("no route for \(request.method) \(request.rawPath)").response
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

func percentDecoded(_ text: Substring) -> String {
    guard text.contains("%") else { return String(text) }
    var bytes: [UInt8] = []
    var iterator = Array(text.utf8).makeIterator()
    while let byte = iterator.next() {
        if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
           let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
            bytes.append(value)
        } else {
            bytes.append(byte)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}
