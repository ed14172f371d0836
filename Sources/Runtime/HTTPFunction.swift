/// A function behind the HTTP API: its events are payload 2.0 requests and its routes answer them.
public protocol HTTPFunction: LambdaHandler where Event == APIGatewayV2Request, Output == APIGatewayV2Response {
    var router: Router { get }
}

extension HTTPFunction {
    public func handle(_ event: APIGatewayV2Request, context: LambdaContext) async throws -> APIGatewayV2Response {
        try await router.respond(to: event, context: context)
    }
}
