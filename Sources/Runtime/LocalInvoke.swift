#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging

/// `<function> --event FILE` (or the event on standard input): one invocation, no server.
struct LocalInvoke<Handler: LambdaHandler> {
    let initContext: InitContext

    func run(arguments: [String]) async -> Never {
        let payload: [UInt8]
        switch readEvent(arguments) {
        case .success(let bytes): payload = bytes
        case .failure(let usage):
            writeStandardError(usage.message + "\n")
            exit(2)
        }
        let handler: Handler
        do {
            try CertificateAuthorities.configure(environment: initContext.environment)
            handler = try await Handler(context: initContext)
        } catch {
            let failure = FunctionError(thrown: error, prefix: "Runtime")
            finish(.failure(FunctionError(errorType: "Runtime.InitError", errorMessage: "\(failure.errorType): \(failure.errorMessage)")))
        }
        let requestID = UUID().uuidString.lowercased()
        let timeoutSeconds = initContext.environment["AWS_LAMBDA_FUNCTION_TIMEOUT"].flatMap { Int64($0) } ?? 900
        var logger = initContext.logger
        logger[metadataKey: "requestId"] = "\(requestID)"
        let context = LambdaContext(
            requestID: requestID, deadlineMilliseconds: currentEpochMilliseconds() + timeoutSeconds * 1000,
            invokedFunctionARN: "arn:aws:lambda:local:000000000000:function:\(initContext.functionName)",
            traceID: nil, logger: logger)
        finish(await InvocationRunner(handler: handler).run(payload: payload, context: context))
    }

    private func finish(_ result: Result<[UInt8], FunctionError>) -> Never {
        switch result {
        case .success(let body):
            writeStandardOutput(body + [UInt8(ascii: "\n")])
            exit(0)
        case .failure(let error):
            writeStandardOutput(encodeJSON(error) + [UInt8(ascii: "\n")])
            exit(1)
        }
    }

    struct Usage: Error { let message: String }

    private func readEvent(_ arguments: [String]) -> Result<[UInt8], Usage> {
        let usage = "usage: \(initContext.functionName) [--event FILE | -]   (without --event the event is read from standard input)"
        switch arguments.count {
        case 0:
            return .success(readAll(fileDescriptor: 0))
        case 1 where arguments[0] == "-":
            return .success(readAll(fileDescriptor: 0))
        case 2 where arguments[0] == "--event":
            let path = arguments[1]
            if path == "-" { return .success(readAll(fileDescriptor: 0)) }
            let descriptor = open(path, O_RDONLY)
            guard descriptor >= 0 else { return .failure(Usage(message: "cannot read event file \(path): \(String(cString: strerror(errno)))")) }
            defer { close(descriptor) }
            return .success(readAll(fileDescriptor: descriptor))
        default:
            return .failure(Usage(message: usage))
        }
    }
}

func readAll(fileDescriptor: Int32) -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress, $0.count) }
        if count <= 0 { return bytes }
        bytes.append(contentsOf: chunk[..<count])
    }
}

func writeStandardOutput(_ bytes: [UInt8]) { writeAll(1, bytes) }
func writeStandardError(_ string: String) { writeAll(2, Array(string.utf8)) }

private func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) {
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written <= 0 { return }
        offset += written
    }
}
