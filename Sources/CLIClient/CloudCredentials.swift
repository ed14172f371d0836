import Foundation

/// Temporary AWS credentials for a cloud identity, from the platform (`assume-role`), cached in
/// the profile's sealed session while more than 15 minutes are left. Under the profile's lock,
/// re-checked after taking it: parallel callers (Terraform's provider processes, botocore) cause
/// one access-token refresh and one AssumeRole between them.
public struct CloudCredentials {
    public let tokens: AccessTokens
    public let workspace: String?

    public init(tokens: AccessTokens, workspace: String?) {
        self.tokens = tokens
        self.workspace = workspace
    }

    /// `cached: false` (exec) keeps them in memory only.
    public func aws(identity argument: String, cached: Bool) throws -> AWSCredentials {
        guard cached, tokens.environmentToken == nil else { return try fetch(argument) }
        if let hit = try tokens.session().awsCredentials[argument], hit.isFresh() { return hit }
        return try tokens.store.withLock {
            if let hit = try tokens.session().awsCredentials[argument], hit.isFresh() { return hit }
            let credentials = try fetch(argument)
            var session = try tokens.session()
            session.awsCredentials = session.awsCredentials.filter { $0.value.expiresAt > Date() }
            session.awsCredentials[argument] = credentials
            try tokens.store.save(session)
            return credentials
        }
    }

    private func fetch(_ argument: String) throws -> AWSCredentials {
        let token = try tokens.current()
        let api = try tokens.api()
        let identity = try IdentityChoice(api: api, token: token).resolve(argument) {
            try WorkspaceChoice(api: api, token: token).resolve(workspace ?? (try? tokens.session())?.workspace).id
        }
        let answer = try api.call("POST", "/api/cloud-identities/\(identity)/credentials", body: ["purpose": "cli"], bearer: token)
        return try AWSCredentials(platformAnswer: answer.object)
    }
}
