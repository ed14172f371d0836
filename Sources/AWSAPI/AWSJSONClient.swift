import Cloud
import FoundationEssentials
import Runtime

/// AWS's JSON 1.1 protocol (KMS, CloudTrail, Config, ...): a signed POST naming the operation in
/// `X-Amz-Target`, JSON in and out.
public final class AWSJSONClient: Sendable {
    /// An operation that takes no input.
    public struct NoInput: Encodable, Sendable { public init() {} }

    let targetPrefix: String
    let transport: AWSTransport

    /// `targetPrefix` is the service's JSON target, e.g. `TrentService` for KMS.
    public init(service: String, targetPrefix: String, region: String, credentials: AWSCredentials, environment: Environment = Environment(), maximumAttempts: Int = 4) {
        self.targetPrefix = targetPrefix
        transport = AWSTransport(service: service, region: region, credentials: credentials, environment: environment, maximumAttempts: maximumAttempts)
    }

    public func call<Output: Decodable>(_ operation: String, _ input: some Encodable = NoInput(), as output: Output.Type) async throws(AWSError) -> Output {
        let body: Data
        do { body = try JSONEncoder().encode(input) } catch {
            throw AWSError(code: "InvalidInput", message: "\(operation) input could not be encoded", httpStatus: 0)
        }
        let response = try await transport.send(
            method: "POST",
            headers: [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "\(targetPrefix).\(operation)")],
            body: Array(body), error: AWSError.init(jsonResponse:))
        do {
            return try JSONDecoder().decode(Output.self, from: response.body.isEmpty ? Data("{}".utf8) : Data(response.body))
        } catch {
            throw AWSError(code: "InvalidResponse", message: "\(transport.service) \(operation) answered JSON of another shape", httpStatus: response.status)
        }
    }
}

extension AWSError {
    /// `{"__type": "com.amazonaws.kms#NotFoundException", "message": "..."}`, or the type in the
    /// `x-amzn-ErrorType` header (`Code:http://...`).
    init(jsonResponse response: HTTPClient.Response) {
        // Some peers (and gateways in front of them) answer a JSON call's refusal in XML.
        if response.body.first == UInt8(ascii: "<") {
            self.init(xmlResponse: response, service: "")
            return
        }
        struct Body: Decodable {
            let __type: String?
            let message: String?
            let Message: String?
        }
        let body = try? JSONDecoder().decode(Body.self, from: Data(response.body))
        let type = body?.__type ?? response.header("x-amzn-errortype") ?? "HTTP\(response.status)"
        let code = type.split(separator: "#").last.map { String($0.split(separator: ":").first ?? $0) } ?? type
        self.init(code: code, message: body?.message ?? body?.Message ?? "", httpStatus: response.status)
    }
}
