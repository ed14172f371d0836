import Foundation
import Runtime
import Testing

/// `/dev/sign-in` on the local gateway: a newcomer's way in under `make run`, absent otherwise.
@Suite(.serialized) struct LocalSignInTests {
    @Test func anEmailGivesASessionTheAPIAccepts() throws {
        let gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8), environment: ["PLATFORM_DEV_SIGN_IN": "1"])
        let local = "ada-\(UUID().uuidString.prefix(8).lowercased())"
        let signedIn = try gateway.request("POST", "/dev/sign-in", body: #"{"email":"\#(local)@example.test"}"#)
        #expect(signedIn.status == 200)
        let answer = try jsonObject(signedIn.body)
        let token = try #require(answer["access_token"] as? String)
        #expect(signedIn.header("set-cookie")?.hasPrefix("sb-access-token=") == true)
        let user = try #require(answer["user"] as? [String: Any])

        // The same person again (any case, or from the form) is the same user.
        let again = try gateway.request("POST", "/dev/sign-in", body: "email=\(local.uppercased())%40EXAMPLE.test", headers: [("Content-Type", "application/x-www-form-urlencoded")])
        #expect((try jsonObject(again.body)["user"] as? [String: Any])?["id"] as? String == user["id"] as? String)

        let created = try gateway.request("POST", "/api/workspaces", body: #"{"name":"Mine"}"#, headers: [("Authorization", "Bearer \(token)")])
        #expect(created.status == 201, "\(String(decoding: created.body, as: UTF8.self))")
        let form = try gateway.request("GET", "/dev/sign-in")
        #expect(form.status == 200 && form.header("content-type")?.hasPrefix("text/html") == true)
        #expect(try gateway.request("POST", "/dev/sign-in", body: #"{"email":"nope"}"#).status == 400)
    }

    @Test func withoutTheSettingTheRouteDoesNotExist() throws {
        let gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8))
        let response = try gateway.request("POST", "/dev/sign-in", body: #"{"email":"ada@example.test"}"#)
        #expect(response.status == 404)
        #expect(try jsonObject(response.body)["error"] as? String == "not_found")
        // And the deployment template never turns it on.
        #expect(!(try String(contentsOfFile: "infra/template.yaml", encoding: .utf8)).contains("PLATFORM_DEV_SIGN_IN"))
    }
}
