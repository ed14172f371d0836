import Foundation
import HTTPTypes
import Hummingbird
import Runtime

/// The gateway's public side: the HTTP API routes of the template, and Lambda's
/// `POST /2015-03-31/functions/{name}/invocations` for raw events.
struct HTTPFront: HTTPResponder {
    typealias Context = BasicRequestContext

    let routes: RouteTable
    let pools: [(definition: FunctionDefinition, pool: FunctionPool)]
    /// `/dev/sign-in`, when PLATFORM_DEV_SIGN_IN=1.
    var localSignIn: LocalSignIn? = nil

    /// API Gateway's payload limit.
    static let maximumRequestBytes = 10 * 1024 * 1024

    func respond(to request: Request, context: Context) async throws -> Response {
        let body: [UInt8]
        do {
            body = Array(buffer: try await request.body.collect(upTo: Self.maximumRequestBytes))
        } catch {
            return HTTPEventMapping.error(.contentTooLarge, "request_too_large", "the request body is over API Gateway's 10 MiB")
        }
        let path = request.uri.path
        if let localSignIn, path == LocalSignIn.path {
            return await localSignIn.respond(to: request, body: body)
        }
        if path.hasPrefix("/2015-03-31/functions/") {
            return await invokeAPI(request, body: body)
        }
        guard let match = routes.match(method: request.method.rawValue, path: path),
              let pool = pool(named: match.function.logicalID) else {
            return HTTPEventMapping.error(.notFound, "not_found", "no route for \(request.method.rawValue) \(path)")
        }
        let event = HTTPEventMapping.event(for: request, body: body, match: match, requestID: UUID().uuidString.lowercased())
        guard let payload = try? JSONEncoder().encode(event) else {
            return HTTPEventMapping.error(.internalServerError, "server_error", "the request could not be turned into an event")
        }

        switch await pool.invoke(payload: Array(payload)) {
        case .response(let output):
            return HTTPEventMapping.response(fromFunctionOutput: output)
        case .functionError(let error):
            // The function's own message stays in its log: it may name internals.
            return HTTPEventMapping.error(.badGateway, "server_error", "the function failed (\(error.errorType))")
        case .timedOut(let seconds):
            return HTTPEventMapping.error(.gatewayTimeout, "timeout", "the function did not answer within \(seconds) seconds (Sandbox.Timedout)")
        case .crashed(let status):
            return HTTPEventMapping.error(.badGateway, "server_error", "the function process \(status) (Runtime.ExitError)")
        }
    }

    /// Lambda's Invoke: `RequestResponse` answers 200 with the output, or with the error and
    /// `X-Amz-Function-Error: Unhandled`; `Event` answers 202 at once and runs in the background.
    private func invokeAPI(_ request: Request, body: [UInt8]) async -> Response {
        let parts = request.uri.path.split(separator: "/")
        guard request.method == .post, parts.count == 4, parts[3] == "invocations" else {
            return HTTPEventMapping.message(.notFound, "Not Found")
        }
        let name = String(parts[2])
        guard let pool = pool(named: name) else {
            var response = HTTPEventMapping.json(.notFound, Array(#"{"Type":"User","Message":\#(jsonString("Function not found: \(name)"))}"#.utf8))
            response.headers[HTTPField.Name("X-Amzn-ErrorType")!] = "ResourceNotFoundException"
            return response
        }
        let payload = body.isEmpty ? Array("{}".utf8) : body
        switch request.headers[HTTPField.Name("X-Amz-Invocation-Type")!] ?? "RequestResponse" {
        case "Event":
            Task { _ = await pool.invoke(payload: payload) }
            return Response(status: .accepted)
        case "DryRun":
            return Response(status: .noContent)
        default:
            break
        }
        let failure: FunctionError
        switch await pool.invoke(payload: payload) {
        case .response(let output):
            return HTTPEventMapping.json(.ok, output)
        case .functionError(let error):
            failure = error
        case .timedOut(let seconds):
            failure = FunctionError(errorType: "Sandbox.Timedout", errorMessage: "Task timed out after \(seconds) seconds")
        case .crashed(let status):
            failure = FunctionError(errorType: "Runtime.ExitError", errorMessage: "the function process \(status)")
        }
        var response = HTTPEventMapping.json(.ok, Array((try? JSONEncoder().encode(failure)) ?? Data()))
        response.headers[HTTPField.Name("X-Amz-Function-Error")!] = "Unhandled"
        return response
    }

    func pool(named name: String) -> FunctionPool? {
        pools.first { $0.definition.isNamed(name) }?.pool
    }
}
