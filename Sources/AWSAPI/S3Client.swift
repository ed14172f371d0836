import Cloud
import FoundationEssentials
import Runtime

/// S3 over AWS's REST-XML protocol: the operation is the method, path and sub-resource
/// (`?acl`, `?encryption`, ...), the answer an XML document.
public final class S3Client: Sendable {
    public struct Answer: Sendable {
        public let status: Int
        public let headers: [String: String]
        public let body: [UInt8]
        /// The body parsed as XML, when it is XML.
        public let document: XMLNode?
    }

    let transport: AWSTransport
    let control: AWSTransport

    public init(region: String, credentials: AWSCredentials, environment: Environment = Environment(), maximumAttempts: Int = 4) {
        transport = AWSTransport(service: "s3", region: region, credentials: credentials, environment: environment, maximumAttempts: maximumAttempts)
        control = AWSTransport(service: "s3-control", signingName: "s3", region: region, credentials: credentials, environment: environment, maximumAttempts: maximumAttempts)
    }

    /// The account's Block Public Access settings (S3 Control); nil where none are configured.
    public func accountPublicAccessBlock(account: String) async throws(AWSError) -> XMLNode? {
        let endpoint = control.isCustomEndpoint ? control.endpoint : "https://\(account).s3-control.\(control.region).amazonaws.com"
        do {
            let response = try await control.send(
                method: "GET", endpoint: endpoint, path: "/v20180820/configuration/publicAccessBlock",
                headers: [("x-amz-account-id", account), ("x-amz-content-sha256", SigV4Signer.payloadHash([]))],
                error: { AWSError(xmlResponse: $0, service: "s3-control") })
            return XMLNode.parse(response.body)
        } catch where error.isNotFound {
            return nil
        }
    }

    /// One request. `query` items with an empty value are sent bare (`?acl`).
    public func request(
        _ method: String, bucket: String? = nil, key: String = "", query: [(String, String)] = [], body: [UInt8] = [],
        headers: [(name: String, value: String)] = []
    ) async throws(AWSError) -> Answer {
        let (endpoint, path) = address(bucket: bucket, key: key)
        let queryString = query.map { $0.1.isEmpty ? percentEncoded($0.0) : "\(percentEncoded($0.0))=\(percentEncoded($0.1))" }.joined(separator: "&")
        let response = try await transport.send(
            method: method, endpoint: endpoint, path: path, query: queryString,
            headers: headers + [("x-amz-content-sha256", SigV4Signer.payloadHash(body))], body: body,
            error: { AWSError(xmlResponse: $0, service: "s3") })
        return Answer(status: response.status, headers: response.headers, body: response.body, document: response.body.first == UInt8(ascii: "<") ? XMLNode.parse(response.body) : nil)
    }

    /// Virtual-hosted addressing on AWS (`bucket.s3.region.amazonaws.com`); path-style for a
    /// local endpoint and for bucket names with dots, which TLS host names cannot carry.
    func address(bucket: String?, key: String) -> (endpoint: String, path: String) {
        let keyPath = "/" + key
        guard let bucket else { return (transport.endpoint, "/") }
        if transport.isCustomEndpoint || bucket.contains(".") {
            return (transport.endpoint, "/\(bucket)" + (key.isEmpty ? "" : keyPath))
        }
        return ("https://\(bucket).s3.\(transport.region).amazonaws.com", keyPath)
    }
}
