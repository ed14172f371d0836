import Cloud
import FoundationEssentials
import Runtime

/// AWS's query protocol (STS, IAM, EC2, RDS and friends): a signed form POST, an XML answer.
public final class AWSQueryClient: Sendable {
    public var service: String { transport.service }
    public var region: String { transport.region }
    let version: String
    let transport: AWSTransport

    public init(service: String, version: String, region: String, credentials: AWSCredentials, environment: Environment = Environment(), maximumAttempts: Int = 4) {
        self.version = version
        transport = AWSTransport(service: service, region: region, credentials: credentials, environment: environment, maximumAttempts: maximumAttempts)
    }

    /// Calls `action`; the answer's root element, or the service's error.
    public func call(_ action: String, _ parameters: [(String, String)] = []) async throws(AWSError) -> XMLNode {
        let body = formURLEncoded([("Action", action), ("Version", version)] + parameters)
        let service = transport.service
        let response = try await transport.send(
            method: "POST", headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body: Array(body.utf8),
            error: { AWSError(xmlResponse: $0, service: service) })
        guard let document = XMLNode.parse(response.body) else {
            throw AWSError(code: "InvalidResponse", message: "\(service) answered \(response.status) without XML", httpStatus: response.status)
        }
        return document
    }
}

extension AWSError {
    /// The query and REST-XML protocols' error documents: `<ErrorResponse><Error><Code>` (STS,
    /// IAM), `<Response><Errors><Error><Code>` (EC2), `<Error><Code>` (S3). A body-less answer
    /// (HEAD) is named by its status.
    init(xmlResponse response: HTTPClient.Response, service: String) {
        let document = XMLNode.parse(response.body)
        let code = document?.value("Code") ?? (response.status == 404 ? "NotFound" : response.status == 403 ? "AccessDenied" : "HTTP\(response.status)")
        self.init(code: code, message: document?.value("Message") ?? "\(service) answered \(response.status)", httpStatus: response.status)
    }
}
