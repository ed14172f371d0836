import Cloud
import FoundationEssentials
import Runtime
import Synchronization

/// AWS's query protocol (STS, IAM, EC2 and friends): a signed form POST, an XML answer.
/// Endpoints follow the standard variables: `AWS_ENDPOINT_URL_<SERVICE>`, then
/// `AWS_ENDPOINT_URL`, then AWS's own. Throttling and 5xx answers are retried with exponential
/// backoff and full jitter.
public final class AWSQueryClient: Sendable {
    public let service: String
    public let region: String
    let version: String
    let endpoint: String
    let signer: SigV4Signer
    let http = Mutex(HTTPClient())
    let maximumAttempts: Int

    public init(service: String, version: String, region: String, credentials: AWSCredentials, environment: Environment = Environment(), maximumAttempts: Int = 4) {
        self.service = service
        self.version = version
        self.region = region
        self.endpoint = Self.endpoint(service: service, region: region, environment: environment)
        // IAM signs for us-east-1 wherever it is called from.
        self.signer = SigV4Signer(credentials: credentials, region: service == "iam" ? "us-east-1" : region, service: service)
        self.maximumAttempts = maximumAttempts
    }

    static func endpoint(service: String, region: String, environment: Environment) -> String {
        if let specific = environment["AWS_ENDPOINT_URL_\(service.uppercased())"] ?? environment["AWS_ENDPOINT_URL"] {
            return specific.hasSuffix("/") ? String(specific.dropLast()) : specific
        }
        if service == "iam" { return "https://iam.amazonaws.com" }
        return "https://\(service).\(region).amazonaws.com"
    }

    /// Calls `action`; the answer's root element, or the service's error.
    public func call(_ action: String, _ parameters: [(String, String)] = []) async throws(AWSError) -> XMLNode {
        let body = ([("Action", action), ("Version", version)] + parameters)
            .map { "\(SigV4Signer.encode($0.0))=\(SigV4Signer.encode($0.1))" }.joined(separator: "&")
        var attempt = 1
        while true {
            do {
                return try send(body: Array(body.utf8))
            } catch let error where error.isRetryable && attempt < maximumAttempts {
                // Full jitter: a random pause up to 100 ms × 2^attempt.
                let ceiling = 100 * (1 << attempt)
                try? await Task.sleep(for: .milliseconds(Int.random(in: 0...ceiling)))
                attempt += 1
            }
        }
    }

    private func send(body: [UInt8]) throws(AWSError) -> XMLNode {
        let host = endpoint.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init) ?? ""
        var request = SigV4Signer.Request(
            method: "POST", path: "/",
            headers: [("Host", host), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body: body)
        signer.sign(&request, at: Date())
        let response: HTTPClient.Response
        do {
            response = try http.withLock { client throws(HTTPTransportError) in
                try client.send(HTTPClient.Request(method: "POST", url: endpoint + "/", headers: request.headers, body: body, timeoutMilliseconds: 20_000))
            }
        } catch {
            throw AWSError.transport(error.message)
        }
        guard let document = XMLNode.parse(response.body) else {
            throw AWSError(code: "InvalidResponse", message: "\(service) answered \(response.status) without XML", httpStatus: response.status)
        }
        guard (200..<300).contains(response.status) else {
            throw AWSError(code: document.value("Code") ?? "HTTP\(response.status)", message: document.value("Message") ?? "", httpStatus: response.status)
        }
        return document
    }
}
