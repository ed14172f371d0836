import Foundation
import Testing
import Yams
@testable import Gateway

/// `infra/openapi.yaml` documents exactly the routes `infra/template.yaml` deploys (and the local
/// gateway serves), and every operation documents its errors in the platform's shape.
struct OpenAPIDocumentTests {
    let document: [String: Any]
    let templateRoutes: Set<String>

    init() throws {
        document = try #require(try Yams.load(yaml: try String(contentsOfFile: "infra/openapi.yaml", encoding: .utf8)) as? [String: Any])
        templateRoutes = Set(try Template.load(path: "infra/template.yaml").flatMap(\.routes).map(\.routeKey))
    }

    var operations: [(key: String, operation: [String: Any])] {
        let paths = (document["paths"] as? [String: [String: Any]]) ?? [:]
        return paths.flatMap { path, item in
            item.compactMap { method, operation in
                ["get", "post", "put", "patch", "delete"].contains(method)
                    ? ("\(method.uppercased()) \(path)", operation as? [String: Any] ?? [:]) : nil
            }
        }
    }

    @Test func everyDeployedRouteIsDocumentedAndNothingElse() {
        let documented = Set(operations.map(\.key))
        #expect(documented.subtracting(templateRoutes).isEmpty, "documented but not deployed: \(documented.subtracting(templateRoutes).sorted())")
        #expect(templateRoutes.subtracting(documented).isEmpty, "deployed but not documented: \(templateRoutes.subtracting(documented).sorted())")
        #expect(document["openapi"] as? String == "3.1.0")
    }

    @Test func everyOperationHasAnIDAndDocumentsItsErrorsAsTheErrorShape() throws {
        for (key, operation) in operations {
            #expect(operation["operationId"] is String, "\(key) has no operationId")
            let responses = try #require(operation["responses"] as? [String: Any], "\(key) has no responses")
            #expect(responses.keys.contains { $0.hasPrefix("2") }, "\(key) documents no success")
            let secured = (operation["security"] as? [Any])?.isEmpty != true
            let errors = responses.filter { $0.key.hasPrefix("4") || $0.key.hasPrefix("5") }
            #expect(!errors.isEmpty || ["GET /api/health", "GET /.well-known/openid-configuration", "GET /.well-known/jwks.json"].contains(key),
                    "\(key) documents no error")
            if secured { #expect(errors["401"] != nil, "\(key) takes a bearer token but documents no 401") }
            for (status, response) in errors {
                let text = "\(response)"
                // Pages for a browser (the CLI approval page) answer their errors as pages.
                if text.contains("text/html") { continue }
                #expect(text.contains("#/components/responses/") || text.contains("#/components/schemas/Error"), "\(key) \(status) is not the error shape")
            }
        }
    }
}
