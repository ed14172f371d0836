import Runtime

/// Every HTTP route of every function, matched the way API Gateway does: the most specific
/// path wins (literal segments before `{params}` before `{proxy+}`), and `ANY` matches any method.
struct RouteTable: Sendable {
    struct Entry: Sendable {
        let function: FunctionDefinition
        let route: HTTPRoute
        let pattern: PathPattern
    }

    struct Match: Sendable {
        let function: FunctionDefinition
        let route: HTTPRoute
        let pathParameters: [String: String]
    }

    private let entries: [Entry]

    init(_ functions: [FunctionDefinition]) {
        entries = functions.flatMap { function in
            function.routes.map { Entry(function: function, route: $0, pattern: PathPattern($0.path)) }
        }.sorted { $0.pattern.specificity.lexicographicallyPrecedes($1.pattern.specificity) == false && $0.pattern.specificity != $1.pattern.specificity }
    }

    func match(method: String, path: String) -> Match? {
        for entry in entries where entry.route.method == method || entry.route.method == "ANY" {
            if let parameters = entry.pattern.match(path) {
                return Match(function: entry.function, route: entry.route, pathParameters: parameters)
            }
        }
        return nil
    }
}
