import AWSTestSupport
import Foundation
import JWTKit
import Runtime
import Testing
@_spi(Privileged) import Database

/// Requests an attacker (or a careless client) sends, through the whole gateway: each is
/// answered with a 4xx in the platform's JSON error shape, and the function keeps serving.
@Suite(.serialized) final class HostileInputTests: @unchecked Sendable {
    let gateway: GatewayProcess
    let owner: Database

    init() throws {
        gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8))
        owner = try Database(url: try #require(ProcessInfo.processInfo.environment["MIGRATION_DATABASE_URL"]), applicationName: "hostile-input-tests")
    }

    func send(_ method: String, _ path: String, body: String? = nil, bearer: String) throws -> (status: Int, json: [String: Any]) {
        let response = try gateway.request(method, path, body: body, headers: [("Authorization", "Bearer \(bearer)")])
        return (response.status, (try? jsonObject(response.body)) ?? [:])
    }

    /// GoTrue signs `anon` and `service_role` tokens with the users' secret; a deleted user's token
    /// stays validly signed until it expires. None of them is a caller.
    @Test func tokensThatAreNotALivingSignedInUserAre401() async throws {
        let user = try await makeSignedInUser(owner: owner)
        #expect(try send("GET", "/api/provider-tokens/github", bearer: user.token).status == 404, "a real user, no token stored")
        for role in ["anon", "service_role"] {
            let answer = try send("GET", "/api/provider-tokens/github", bearer: try await token(for: user.id, role: role))
            #expect(answer.status == 401, "\(role): \(answer.json)")
            #expect(answer.json["error"] as? String == "invalid_token")
        }
        _ = try await owner.runAsConnectedRole([Statement("DELETE FROM auth.users WHERE id = $1", user.id)])
        let gone = try send("GET", "/api/provider-tokens/github", bearer: user.token)
        #expect(gone.status == 401, "\(gone.json)")
        #expect((gone.json["error_description"] as? String)?.contains("does not exist") == true)
    }

    func token(for user: UUID, role: String) async throws -> String {
        struct Claims: JWTPayload {
            let sub: SubjectClaim, exp: ExpirationClaim, aud: AudienceClaim, role: String
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: try #require(ProcessInfo.processInfo.environment["SUPABASE_JWT_SECRET"])), digestAlgorithm: .sha256)
        return try await keys.sign(Claims(sub: .init(value: user.uuidString.lowercased()), exp: .init(value: Date().addingTimeInterval(600)),
                                          aud: .init(value: ["authenticated"]), role: role))
    }

    @Test func lifetimesThatWouldOverflowAreRefusedAndTheFunctionKeepsServing() async throws {
        let user = try await makeSignedInUser(owner: owner)
        for field in ["expires_in", "refresh_token_expires_in"] {
            for value in ["9223372036854775807", "315360001", "-9223372036854775808", "0"] {
                let answer = try send("POST", "/api/provider-tokens", body: #"{"provider":"github","access_token":"gho_x","refresh_token":"ghr_x","\#(field)":\#(value)}"#, bearer: user.token)
                #expect(answer.status == 400, "\(field)=\(value): \(answer.json)")
                #expect(answer.json["error"] as? String == "invalid_request")
            }
        }
        let stored = try send("POST", "/api/provider-tokens", body: #"{"provider":"github","access_token":"gho_x","expires_in":28800}"#, bearer: user.token)
        #expect(stored.status == 201, "\(stored.json)")
    }

    @Test func textWithANulCharacterIsRefusedBeforeTheDatabase() async throws {
        let user = try await makeSignedInUser(owner: owner)
        for body in [#"{"provider":"github","access_token":"gho_x","scope":"repo\u0000,user"}"#,
                     #"{"provider":"github","access_token":"gho_x","scopes":["repo","a\u0000b"]}"#] {
            let answer = try send("POST", "/api/provider-tokens", body: body, bearer: user.token)
            #expect(answer.status == 400, "\(body): \(answer.json)")
            #expect((answer.json["error_description"] as? String)?.contains("NUL") == true, "\(answer.json)")
        }
        let organization = try await makeWorkspace(owner: owner, member: user.id, role: "owner")
        for filter in ["service=s3%00x", "check_id=a%00b", "severity=high%00"] {
            let answer = try send("GET", "/api/findings?organization_id=\(organization.uuidString)&\(filter)", bearer: user.token)
            #expect(answer.status == 400, "\(filter): \(answer.json)")
            #expect(answer.json["error"] as? String == "invalid_request")
        }
    }

    @Test(arguments: [(500, "InternalFailure", 502), (503, "ServiceUnavailable", 503), (400, "Throttling", 503)])
    func anAWSFailureDuringConnectIsTheUpstreamsErrorInJSON(status: Int, code: String, expected: Int) async throws {
        let aws = try LocalScriptServer(script: "Tests/Support/failing-aws/failing-aws.py", arguments: [String(status), code])
        let failing = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8),
                                         environment: ["AWS_ENDPOINT_URL": aws.baseURL])
        let user = try await makeSignedInUser(owner: owner)
        let organization = try await makeWorkspace(owner: owner, member: user.id, role: "owner")
        let response = try failing.request("POST", "/api/cloud-identities", body: #"{"organization_id":"\#(organization)","role_arn":"arn:aws:iam::123456789012:role/Scanner"}"#,
                                           headers: [("Authorization", "Bearer \(user.token)")])
        #expect(response.status == expected, "\(String(decoding: response.body, as: UTF8.self))")
        let answer = try jsonObject(response.body)
        #expect(answer["error"] as? String == "aws_unavailable")
        #expect((answer["error_description"] as? String)?.contains(code) == true)
        #expect((response.header("retry-after") != nil) == (expected == 503))
    }

    @Test func malformedBodiesAndIdsAreTheCallersError() async throws {
        let user = try await makeSignedInUser(owner: owner)
        for (method, path, body) in [("POST", "/api/cloud-identities", "{"), ("POST", "/api/cloud-identities", "[]"),
                                     ("POST", "/api/provider-tokens", #"{"provider":1}"#), ("GET", "/api/scans?organization_id=not-a-uuid", nil),
                                     ("POST", "/api/cloud-identities/not-a-uuid/credentials", "{}"), ("DELETE", "/api/cloud-identities/%00", nil)] {
            let answer = try send(method, path, body: body, bearer: user.token)
            #expect((400..<500).contains(answer.status), "\(method) \(path): \(answer.status) \(answer.json)")
            #expect(answer.json["error"] is String && answer.json["error_description"] is String, "\(method) \(path): \(answer.json)")
        }
    }
}
