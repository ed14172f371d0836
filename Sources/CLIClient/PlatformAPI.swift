import Foundation
import Runtime

/// The platform's HTTP API as the CLI calls it: JSON in and out, every failure a `CLIError`
/// carrying the platform's own `error_description` (401 → exit 4, authentication required).
public struct PlatformAPI: Sendable {
    public let baseURL: String
    public static let userAgent = "zcp"

    public init(baseURL: String) {
        var url = baseURL
        while url.hasSuffix("/") { url.removeLast() }
        self.baseURL = url
    }

    public struct Answer {
        public let status: Int
        public let json: Any?
        public var object: [String: Any] { json as? [String: Any] ?? [:] }
        public var items: [[String: Any]] { object["items"] as? [[String: Any]] ?? [] }
    }

    /// `body` is JSON-encoded when given. Non-2xx answers throw unless `accepting` lists them.
    @discardableResult
    public func call(_ method: String, _ path: String, body: [String: Any]? = nil, bearer: String? = nil, accepting: Set<Int> = []) throws(CLIError) -> Answer {
        var headers: [(name: String, value: String)] = [("Accept", "application/json"), ("User-Agent", Self.userAgent)]
        if let bearer { headers.append(("Authorization", "Bearer \(bearer)")) }
        var bytes: [UInt8] = []
        if let body {
            headers.append(("Content-Type", "application/json"))
            bytes = Array((try? JSONSerialization.data(withJSONObject: body)) ?? Data("{}".utf8))
        }
        let response: HTTPClient.Response
        do {
            response = try HTTPClient().send(.init(method: method, url: baseURL + path, headers: headers, body: bytes, timeoutMilliseconds: 60_000))
        } catch {
            throw .failure("cannot reach the platform at \(baseURL): \(error.message)")
        }
        let json = response.body.isEmpty ? nil : try? JSONSerialization.jsonObject(with: Data(response.body))
        let answer = Answer(status: response.status, json: json)
        if (200..<300).contains(response.status) || accepting.contains(response.status) { return answer }
        let code = answer.object["error"] as? String ?? "http_\(response.status)"
        let description = answer.object["error_description"] as? String ?? "the platform answered \(response.status)"
        if response.status == 401 {
            throw .authenticationRequired("\(description) (\(code)): run `zcp login`")
        }
        throw .failure("\(description) (\(code))")
    }
}

/// The token endpoints' answer, with what the CLI reads from the access token's claims.
public struct TokenAnswer: Sendable {
    public let accessToken: String
    public let refreshToken: String
    public let expiresAt: Date
    public let userID: String
    public let sessionID: String

    public init(_ json: [String: Any], now: Date = Date()) throws(CLIError) {
        guard let access = json["access_token"] as? String, let refresh = json["refresh_token"] as? String,
              let lifetime = json["expires_in"] as? Int else {
            throw .failure("the platform's token answer is incomplete")
        }
        let claims = Self.claims(of: access)
        accessToken = access
        refreshToken = refresh
        expiresAt = now.addingTimeInterval(TimeInterval(max(0, lifetime)))
        userID = claims["sub"] as? String ?? ""
        sessionID = claims["session_id"] as? String ?? ""
    }

    /// A JWT's payload, unverified: the CLI only displays it; the platform verifies tokens.
    public static func claims(of token: String) -> [String: Any] {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return [:] }
        var text = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        guard let data = Data(base64Encoded: text), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object
    }
}

extension HTTPTransportError {
    var message: String { self.description }
}
