#if canImport(Glibc)
import Glibc
#endif
import Logging

/// Serves invocations from the Runtime API one at a time, for the life of the process.
struct RuntimeLoop<Handler: LambdaHandler> {
    let client: RuntimeAPIClient
    let initContext: InitContext

    func run() async -> Never {
        let logger = initContext.logger
        let handler: Handler
        do {
            try CertificateAuthorities.configure(environment: initContext.environment)
            handler = try await Handler(context: initContext)
        } catch {
            let failure = FunctionError(thrown: error, prefix: "Runtime")
            let initError = FunctionError(errorType: "Runtime.InitError", errorMessage: "\(failure.errorType): \(failure.errorMessage)")
            logger.critical("init failed", metadata: ["error": "\(initError.errorMessage)"])
            do { try client.reportInitError(initError) } catch { logger.critical("could not report the init error", metadata: ["error": "\(error)"]) }
            exit(1)
        }
        let runner = InvocationRunner(handler: handler)

        while true {
            let invocation: Invocation
            do {
                invocation = try client.next()
            } catch {
                // Without the Runtime API there is nothing to serve (the gateway stopped): leave.
                logger.critical("cannot fetch the next event", metadata: ["error": "\(error)"])
                exit(1)
            }
            if let traceID = invocation.traceID {
                setenv("_X_AMZN_TRACE_ID", traceID, 1)
            } else {
                unsetenv("_X_AMZN_TRACE_ID")
            }
            var invocationLogger = logger
            invocationLogger[metadataKey: "requestId"] = "\(invocation.requestID)"
            let context = LambdaContext(
                requestID: invocation.requestID, deadlineMilliseconds: invocation.deadlineMilliseconds,
                invokedFunctionARN: invocation.invokedFunctionARN, traceID: invocation.traceID, logger: invocationLogger)

            let result = await runner.run(payload: invocation.payload, context: context)
            do {
                switch result {
                case .success(let body): try client.respond(body)
                case .failure(let error): try client.reportError(error)
                }
            } catch RuntimeAPIError.transport(let error) {
                invocationLogger.critical("lost the Runtime API", metadata: ["error": "\(error)"])
                exit(1)
            } catch {
                // The platform refused this answer (e.g. too large); the next event is unaffected.
                invocationLogger.error("answer refused", metadata: ["error": "\(error)"])
            }
        }
    }
}
