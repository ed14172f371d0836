/// Decodes one payload, runs the handler and encodes its output, turning every failure into a
/// `FunctionError` so neither the loop nor the local runner can be crashed by an event.
struct InvocationRunner<Handler: LambdaHandler>: Sendable {
    let handler: Handler

    func run(payload: [UInt8], context: LambdaContext) async -> Result<[UInt8], FunctionError> {
        let event: Handler.Event
        do {
            event = try JSON.decode(Handler.Event.self, from: payload)
        } catch {
            context.logger.warning("event does not decode", metadata: ["error": "\(describe(decodingError: error))"])
            return .failure(.invalidEvent("the event is not a valid \(Handler.Event.self): \(describe(decodingError: error))"))
        }
        let output: Handler.Output
        do {
            output = try await handler.handle(event, context: context)
        } catch {
            let failure = FunctionError(thrown: error)
            context.logger.error("invocation failed", metadata: ["errorType": "\(failure.errorType)", "error": "\(failure.errorMessage)"])
            return .failure(failure)
        }
        do {
            let bytes = try JSON.encode(output)
            guard bytes.count <= FunctionError.maximumResponseBytes else {
                let failure = FunctionError.responseTooLarge(bytes.count)
                context.logger.error("response refused", metadata: ["error": "\(failure.errorMessage)"])
                return .failure(failure)
            }
            return .success(bytes)
        } catch {
            return .failure(FunctionError(thrown: error, prefix: "Runtime"))
        }
    }
}

/// Names where a payload went wrong without echoing the payload itself (it may hold secrets).
func describe(decodingError error: any Error) -> String {
    guard let error = error as? DecodingError else { return "not valid JSON" }
    func path(_ context: DecodingError.Context) -> String {
        let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        return keys.isEmpty ? "the top level" : keys.joined(separator: ".")
    }
    switch error {
    case .keyNotFound(let key, let context): return "missing \(key.stringValue) at \(path(context))"
    case .typeMismatch(let type, let context): return "expected \(type) at \(path(context))"
    case .valueNotFound(let type, let context): return "expected \(type) at \(path(context)), found null"
    case .dataCorrupted(let context): return context.codingPath.isEmpty ? "not valid JSON" : "invalid value at \(path(context))"
    @unknown default: return "undecodable"
    }
}
