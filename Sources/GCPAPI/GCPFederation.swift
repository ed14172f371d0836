import FoundationEssentials
import Runtime

/// Getting a GCP access token with the platform's federation token, as Google documents it:
/// STS token exchange (`POST {GCP_STS_URL}/v1/token`) for a federated token, then
/// `generateAccessToken` for the service account (`POST {GCP_IAM_CREDENTIALS_URL}/v1/projects/-/
/// serviceAccounts/{email}:generateAccessToken`, one hour, scope cloud-platform). Google's
/// endpoints unless the environment names others (tests, private service connect).
public struct GCPFederation: Sendable {
    public struct AccessToken: Sendable {
        public let value: String
        public let expiresAt: Date
    }

    let stsURL: String
    let iamCredentialsURL: String
    let resourceManagerURL: String
    let http: HTTPClientPool

    public init(environment: Environment) {
        func base(_ name: String, _ fallback: String) -> String {
            let value = environment[name] ?? fallback
            return value.hasSuffix("/") ? String(value.dropLast()) : value
        }
        stsURL = base("GCP_STS_URL", "https://sts.googleapis.com")
        iamCredentialsURL = base("GCP_IAM_CREDENTIALS_URL", "https://iamcredentials.googleapis.com")
        resourceManagerURL = base("GCP_RESOURCE_MANAGER_URL", "https://cloudresourcemanager.googleapis.com")
        http = HTTPClientPool()
    }

    public static let cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"

    /// The whole exchange: the federation token for the service account's one-hour access token.
    public func accessToken(federationToken: String, audience: String, serviceAccountEmail: String) async throws(GCPFederationError) -> AccessToken {
        let federated = try await exchange(subjectToken: federationToken, audience: audience)
        return try await impersonate(serviceAccountEmail, federatedToken: federated)
    }

    /// STS: the platform's JWT for a federated access token of the pool's principal.
    func exchange(subjectToken: String, audience: String) async throws(GCPFederationError) -> String {
        let body = formURLEncoded([
            ("audience", audience),
            ("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"),
            ("requested_token_type", "urn:ietf:params:oauth:token-type:access_token"),
            ("scope", Self.cloudPlatformScope),
            ("subject_token_type", "urn:ietf:params:oauth:token-type:jwt"),
            ("subject_token", subjectToken),
        ])
        let response = try await send(.init(method: "POST", url: stsURL + "/v1/token",
                                            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                                            body: Array(body.utf8)))
        guard (200..<300).contains(response.status) else { throw Self.translateSTS(response) }
        struct Answer: Decodable { let access_token: String; let expires_in: Int? }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(response.body)), !answer.access_token.isEmpty else {
            throw .refused(status: response.status, message: "Google's STS answered without an access token")
        }
        return answer.access_token
    }

    /// iamcredentials: the federated principal's token for the service account's own, one hour.
    func impersonate(_ email: String, federatedToken: String) async throws(GCPFederationError) -> AccessToken {
        let body = #"{"scope":["\#(Self.cloudPlatformScope)"],"lifetime":"3600s"}"#
        let response = try await send(.init(
            method: "POST", url: "\(iamCredentialsURL)/v1/projects/-/serviceAccounts/\(percentEncoded(email)):generateAccessToken",
            headers: [("Content-Type", "application/json"), ("Accept", "application/json"), ("Authorization", "Bearer \(federatedToken)")],
            body: Array(body.utf8)))
        guard (200..<300).contains(response.status) else { throw Self.translateGoogleAPI(response) }
        struct Answer: Decodable { let accessToken: String; let expireTime: String }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(response.body)),
              let expiresAt = try? Date(answer.expireTime, strategy: .iso8601) ?? Date(answer.expireTime, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) else {
            throw .refused(status: response.status, message: "generateAccessToken answered without accessToken and expireTime")
        }
        return AccessToken(value: answer.accessToken, expiresAt: expiresAt)
    }

    /// The roles `member` holds on `project` (Resource Manager getIamPolicy), or nil when the
    /// service account may not read its project's policy.
    public func projectRoles(project: String, member: String, accessToken: String) async -> [String]? {
        guard case .success(let response) = await http.send(.init(
            method: "POST", url: "\(resourceManagerURL)/v1/projects/\(percentEncoded(project)):getIamPolicy",
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(accessToken)")], body: Array("{}".utf8))),
              response.status == 200 else { return nil }
        struct Policy: Decodable {
            struct Binding: Decodable { let role: String; let members: [String]? }
            let bindings: [Binding]?
        }
        guard let policy = try? JSONDecoder().decode(Policy.self, from: Data(response.body)) else { return nil }
        return (policy.bindings ?? []).filter { $0.members?.contains(member) == true }.map(\.role).sorted()
    }

    private func send(_ request: HTTPClient.Request) async throws(GCPFederationError) -> HTTPClient.Response {
        switch await http.send(request) {
        case .success(let response):
            if response.status == 429 || response.status >= 500 {
                throw .unavailable("HTTP \(response.status) from \(request.url.split(separator: "/").prefix(3).joined(separator: "/"))")
            }
            return response
        case .failure(let error):
            throw .unavailable("\(error)")
        }
    }

    /// STS answers OAuth errors (`{"error","error_description"}`, 400).
    static func translateSTS(_ response: HTTPClient.Response) -> GCPFederationError {
        struct OAuthError: Decodable { let error: String; let error_description: String? }
        guard let answer = try? JSONDecoder().decode(OAuthError.self, from: Data(response.body)) else {
            return .refused(status: response.status, message: String(decoding: response.body.prefix(300), as: UTF8.self))
        }
        let said = String((answer.error_description ?? answer.error).prefix(500))
        switch answer.error {
        case "invalid_target": return .providerNotFound(said)
        case "unauthorized_client": return .attributeCondition(said)
        case "invalid_grant" where said.contains("Error connecting to the given credential's issuer"): return .issuerUnreachable(said)
        case "invalid_grant" where said.contains("audience"): return .wrongAudience(said)
        case "invalid_grant" where said.contains("issuer"): return .issuerMismatch(said)
        case "invalid_request" where said.contains("127 bytes"): return .subjectTooLong(said)
        case "invalid_request" where said.contains("audience"): return .wrongAudience(said)
        default: return .refused(status: response.status, message: "\(answer.error): \(said)")
        }
    }

    /// Google APIs answer `{"error": {"code", "message", "status"}}`.
    static func translateGoogleAPI(_ response: HTTPClient.Response) -> GCPFederationError {
        struct GoogleError: Decodable {
            struct Detail: Decodable { let code: Int?; let message: String?; let status: String? }
            let error: Detail
        }
        let message = (try? JSONDecoder().decode(GoogleError.self, from: Data(response.body)))?.error.message
            ?? String(decoding: response.body.prefix(300), as: UTF8.self)
        if response.status == 403 || response.status == 404 { return .cannotImpersonate(String(message.prefix(500))) }
        return .refused(status: response.status, message: String(message.prefix(500)))
    }
}
