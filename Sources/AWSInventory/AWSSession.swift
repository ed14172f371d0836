import AWSAPI
import Cloud
import Runtime

/// What a collector calls AWS with: the scan's current credentials (re-assumed by the source
/// when they near expiry), the request limiter and the endpoint configuration.
struct AWSSession: Sendable {
    let credentials: @Sendable () async throws -> AWSCredentials
    let limiter: RequestLimiter
    let environment: Environment
    let account: String

    func query(_ service: String, version: String, region: String) async throws -> LimitedQueryClient {
        LimitedQueryClient(
            client: AWSQueryClient(service: service, version: version, region: region, credentials: try await credentials(), environment: environment),
            limiter: limiter)
    }

    func json(_ service: String, target: String, region: String) async throws -> LimitedJSONClient {
        LimitedJSONClient(
            client: AWSJSONClient(service: service, targetPrefix: target, region: region, credentials: try await credentials(), environment: environment),
            limiter: limiter)
    }

    func restJSON(_ service: String, region: String) async throws -> AWSRestJSONClient {
        AWSRestJSONClient(service: service, region: region, credentials: try await credentials(), environment: environment)
    }

    func s3(region: String) async throws -> S3Client {
        S3Client(region: region, credentials: try await credentials(), environment: environment)
    }
}

struct LimitedQueryClient: Sendable {
    let client: AWSQueryClient
    let limiter: RequestLimiter

    func call(_ action: String, _ parameters: [(String, String)] = []) async throws -> XMLNode {
        try await limiter.run { try await client.call(action, parameters) }
    }

    /// Every page of an EC2-style (`NextToken` / `nextToken`) or IAM/RDS-style (`Marker`) listing.
    func pages(_ action: String, _ parameters: [(String, String)] = [], token: PageToken = .nextToken) async throws -> [XMLNode] {
        var pages: [XMLNode] = []
        var next: String?
        repeat {
            let page = try await call(action, parameters + (next.map { [(token.request, $0)] } ?? []))
            pages.append(page)
            next = page.value(token.response).flatMap { $0.isEmpty ? nil : $0 }
        } while next != nil && pages.count < 1000
        return pages
    }

    enum PageToken {
        case nextToken, marker
        var request: String { self == .nextToken ? "NextToken" : "Marker" }
        var response: String { self == .nextToken ? "nextToken" : "Marker" }
    }
}

struct LimitedJSONClient: Sendable {
    let client: AWSJSONClient
    let limiter: RequestLimiter

    func call<Input: Encodable & Sendable, Output: Decodable & Sendable>(_ operation: String, _ input: Input, as output: Output.Type) async throws -> Output {
        try await limiter.run { try await client.call(operation, input, as: Output.self) }
    }

    func call<Output: Decodable & Sendable>(_ operation: String, as output: Output.Type) async throws -> Output {
        try await limiter.run { try await client.call(operation, as: Output.self) }
    }
}
