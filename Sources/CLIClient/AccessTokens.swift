import Foundation

/// A valid access token for the profile, refreshing the stored session when its access token has
/// less than a minute left. The refresh runs under the profile's lock and re-reads the stored
/// session first, so of many parallel invocations exactly one refreshes and the rest use its
/// result; a refresh the platform refuses is re-checked against what is stored before failing
/// (another process may have won). `ZCP_TOKEN` (CI) skips the stored login altogether.
public struct AccessTokens {
    public let store: SessionStore
    public let environment: [String: String]
    public static let margin: TimeInterval = 60

    public init(store: SessionStore, environment: [String: String]) {
        self.store = store
        self.environment = environment
    }

    /// From `ZCP_TOKEN`, when set.
    public var environmentToken: String? {
        guard let token = environment["ZCP_TOKEN"], !token.isEmpty else { return nil }
        return token
    }

    public func session() throws(CLIError) -> StoredSession {
        guard let session = try store.load() else {
            throw .authenticationRequired("not logged in (profile \(store.profile)): run `zcp login`")
        }
        return session
    }

    public func api() throws(CLIError) -> PlatformAPI {
        if environmentToken != nil { return PlatformAPI(baseURL: environment["ZCP_API_URL"] ?? PlatformAPI.defaultURL) }
        return PlatformAPI(baseURL: try session().apiURL)
    }

    public func current(now: Date = Date()) throws -> String {
        if let token = environmentToken { return token }
        let stored = try session()
        if stored.accessTokenExpiresAt.timeIntervalSince(now) > Self.margin { return stored.accessToken }
        return try store.withLock {
            var session = try self.session()
            if session.accessTokenExpiresAt.timeIntervalSince(Date()) > Self.margin { return session.accessToken }
            let api = PlatformAPI(baseURL: session.apiURL)
            let answer = try api.call("POST", "/api/auth/cli/refresh", body: ["refresh_token": session.refreshToken], accepting: [400])
            guard answer.status == 200 else {
                // Another process may have refreshed without our lock (an older CLI): use its tokens if so.
                if let latest = try store.load(), latest.refreshToken != session.refreshToken,
                   latest.accessTokenExpiresAt.timeIntervalSince(Date()) > Self.margin {
                    return latest.accessToken
                }
                let reason = answer.object["error_description"] as? String ?? "the platform refused the refresh"
                throw CLIError.authenticationRequired("the CLI session has ended (\(reason)): run `zcp login`")
            }
            session.replaceTokens(with: try TokenAnswer(answer.object))
            try store.save(session)
            return session.accessToken
        }
    }
}

extension PlatformAPI {
    /// Where `zcp login` goes without `--api-url` / `ZCP_API_URL`: the local platform of `make run`.
    public static let defaultURL = "http://127.0.0.1:3000"
}
