import FoundationEssentials
import Runtime

/// An Azure Resource Manager access token for a customer's application, with the platform's
/// federation token as the client assertion (`POST {AZURE_AUTHORITY_HOST}/{tenant}/oauth2/v2.0/token`,
/// client_credentials, jwt-bearer), as Entra ID documents it. Microsoft's authority unless the
/// environment names another (tests, sovereign clouds).
public struct AzureFederation: Sendable {
    public struct AccessToken: Sendable {
        public let value: String
        public let expiresAt: Date
    }

    let authority: String
    let http: HTTPClientPool

    public init(environment: Environment) {
        let configured = environment["AZURE_AUTHORITY_HOST"] ?? "https://login.microsoftonline.com"
        authority = configured.hasSuffix("/") ? String(configured.dropLast()) : configured
        http = HTTPClientPool()
    }

    public static let managementScope = "https://management.azure.com/.default"

    public func accessToken(assertion: String, tenant: String, clientID: String) async throws(AzureFederationError) -> AccessToken {
        let body = formURLEncoded([
            ("client_id", clientID),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", assertion),
            ("grant_type", "client_credentials"),
            ("scope", Self.managementScope),
        ])
        let requested = Date()
        let response: HTTPClient.Response
        switch await http.send(.init(method: "POST", url: "\(authority)/\(percentEncoded(tenant))/oauth2/v2.0/token",
                                     headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                                     body: Array(body.utf8))) {
        case .success(let answer): response = answer
        case .failure(let error): throw .unavailable("\(error)")
        }
        if response.status == 429 || response.status >= 500 { throw .unavailable("HTTP \(response.status) from Entra ID") }
        guard response.status == 200 else { throw Self.translate(response) }
        // expires_in is a number, or (older endpoints) a string.
        struct Answer: Decodable {
            let access_token: String
            let expires_in: Flexible
            enum Flexible: Decodable {
                case seconds(Int)
                init(from decoder: any Decoder) throws {
                    let container = try decoder.singleValueContainer()
                    if let number = try? container.decode(Int.self) { self = .seconds(number); return }
                    self = .seconds(Int(try container.decode(String.self)) ?? 0)
                }
            }
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(response.body)), !answer.access_token.isEmpty,
              case .seconds(let seconds) = answer.expires_in, seconds > 0 else {
            throw .refused(status: response.status, message: "Entra ID answered without an access token")
        }
        return AccessToken(value: answer.access_token, expiresAt: requested.addingTimeInterval(Double(min(seconds, 86_400))))
    }

    /// Entra's OAuth errors carry `error_codes` (AADSTS numbers).
    static func translate(_ response: HTTPClient.Response) -> AzureFederationError {
        struct EntraError: Decodable { let error: String; let error_description: String?; let error_codes: [Int]? }
        guard let answer = try? JSONDecoder().decode(EntraError.self, from: Data(response.body)) else {
            return .refused(status: response.status, message: String(decoding: response.body.prefix(300), as: UTF8.self))
        }
        // The first line: AADSTS code and message, without the trace and correlation ids.
        let said = String((answer.error_description ?? answer.error).split(separator: "\r\n").first?.split(separator: " Trace ID:").first ?? "")
        switch answer.error_codes?.first ?? 0 {
        case 70021, 700211, 700212, 700213, 7002137, 7002138: return .noMatchingCredential(said)
        case 700016: return .applicationNotFound(said)
        case 90002: return .tenantNotFound(said)
        case 700024, 70023: return .assertionTime(said)
        case 7000215: return .federationNotConfigured(said)
        case 700027, 50027: return .signatureRefused(said)
        default: return .refused(status: response.status, message: "\(answer.error): \(said)")
        }
    }
}
