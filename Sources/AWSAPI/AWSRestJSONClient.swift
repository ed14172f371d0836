import Cloud
import FoundationEssentials
import Runtime

/// AWS's REST-JSON protocol (GuardDuty, ...): the operation is the method and path, JSON out.
public final class AWSRestJSONClient: Sendable {
    let transport: AWSTransport

    public init(service: String, region: String, credentials: AWSCredentials, environment: Environment = Environment(), maximumAttempts: Int = 4) {
        transport = AWSTransport(service: service, region: region, credentials: credentials, environment: environment, maximumAttempts: maximumAttempts)
    }

    public func get<Output: Decodable>(_ path: String, as output: Output.Type) async throws(AWSError) -> Output {
        let response = try await transport.send(method: "GET", path: path, error: AWSError.init(jsonResponse:))
        do {
            return try JSONDecoder().decode(Output.self, from: Data(response.body))
        } catch {
            throw AWSError(code: "InvalidResponse", message: "\(transport.service) GET \(path) answered JSON of another shape", httpStatus: response.status)
        }
    }
}
