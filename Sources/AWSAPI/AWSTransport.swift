import Cloud
import FoundationEssentials
import Runtime

/// What every AWS protocol shares: the endpoint, SigV4, a small pool of kept-alive connections and
/// retries. Endpoints follow the standard variables: `AWS_ENDPOINT_URL_<SERVICE>`, then
/// `AWS_ENDPOINT_URL`, then AWS's own. Throttling and 5xx answers are retried with exponential
/// backoff and full jitter.
final class AWSTransport: Sendable {
    let service: String
    let region: String
    /// `scheme://host[:port]`, without a trailing slash.
    let endpoint: String
    /// True when the endpoint came from the environment (a local peer such as moto): S3 then
    /// addresses buckets by path rather than by host name.
    let isCustomEndpoint: Bool
    let signer: SigV4Signer
    let maximumAttempts: Int
    private let connections = HTTPClientPool()

    init(service: String, signingName: String? = nil, region: String, credentials: AWSCredentials, environment: Environment, maximumAttempts: Int) {
        self.service = service
        self.region = region
        let configured = Self.configuredEndpoint(service: service, environment: environment)
        self.endpoint = configured ?? Self.awsEndpoint(service: service, region: region)
        self.isCustomEndpoint = configured != nil
        // Global services (IAM) sign for us-east-1 wherever they are called from.
        self.signer = SigV4Signer(credentials: credentials, region: service == "iam" ? "us-east-1" : region, service: signingName ?? service)
        self.maximumAttempts = maximumAttempts
    }

    static func endpoint(service: String, region: String, environment: Environment) -> String {
        configuredEndpoint(service: service, environment: environment) ?? awsEndpoint(service: service, region: region)
    }

    static func configuredEndpoint(service: String, environment: Environment) -> String? {
        let configured = environment["AWS_ENDPOINT_URL_\(service.uppercased().replacing("-", with: "_"))"] ?? environment["AWS_ENDPOINT_URL"]
        return configured.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }

    static func awsEndpoint(service: String, region: String) -> String {
        switch service {
        case "iam": "https://iam.amazonaws.com"
        default: "https://\(service).\(region).amazonaws.com"
        }
    }

    static func host(of url: String) -> String {
        url.split(separator: "/", omittingEmptySubsequences: true).dropFirst().first.map(String.init) ?? ""
    }

    /// Signs and sends; retries what is worth retrying. A non-2xx answer becomes the AWSError
    /// `error` reads from it.
    func send(
        method: String, endpoint: String? = nil, path: String = "/", query: String = "", headers: [(name: String, value: String)] = [],
        body: [UInt8] = [], error: (HTTPClient.Response) -> AWSError
    ) async throws(AWSError) -> HTTPClient.Response {
        let base = endpoint ?? self.endpoint
        var attempt = 1
        while true {
            var request = SigV4Signer.Request(method: method, path: path, query: query, headers: [("Host", Self.host(of: base))] + headers, body: body)
            signer.sign(&request, at: Date())
            let encodedPath = SigV4Signer.canonicalPath(path, normalize: false)
            let url = base + encodedPath + (query.isEmpty ? "" : "?" + query)
            let outcome: AWSError
            switch await connections.send(HTTPClient.Request(method: method, url: url, headers: request.headers, body: body, timeoutMilliseconds: 20_000)) {
            case .success(let response) where (200..<300).contains(response.status):
                return response
            case .success(let response):
                outcome = error(response)
            case .failure(let transport):
                outcome = AWSError.transport(transport.message)
            }
            guard outcome.isRetryable, attempt < maximumAttempts else { throw outcome }
            // Full jitter: a random pause up to 100 ms × 2^attempt.
            try? await Task.sleep(for: .milliseconds(Int.random(in: 0...(100 * (1 << attempt)))))
            attempt += 1
        }
    }
}
