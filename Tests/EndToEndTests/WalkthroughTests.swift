import Foundation
import Testing

/// The README's walkthrough, the block as it is written, against a gateway set up as `make run`
/// sets it up (local sign-in on, two scan regions): a newcomer's commands must work.
@Suite struct WalkthroughTests {
    @Test func theREADMEWalkthroughRunsAsWritten() throws {
        // Its own URL is the issuer, as on make run, so the stand-in for Google can fetch its keys.
        let port = try freeLoopbackPort()
        let gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8),
                                         environment: ["PLATFORM_DEV_SIGN_IN": "1", "SCAN_REGIONS": "us-east-1,eu-west-1", "PLATFORM_URL": "http://127.0.0.1:\(port)"],
                                         port: port)
        let readme = try String(contentsOfFile: "README.md", encoding: .utf8)
        let section = try #require(readme.range(of: "## Walkthrough"))
        let start = try #require(readme.range(of: "```sh\n", range: section.upperBound..<readme.endIndex))
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        let block = String(readme[start.upperBound..<end.lowerBound])
        #expect(block.contains("API=http://127.0.0.1:3000"))
        let script = "set -eu\n" + block.replacingOccurrences(of: "API=http://127.0.0.1:3000", with: "API=\(gateway.baseURL)")
        let run = try runProgram("/bin/bash", arguments: ["-c", script])
        #expect(run.status == 0, "\(run.standardOutput)\n\(run.standardError)")
        for expected in [#""status":"succeeded""#, #""Version":1"#, "cloud_identity.credentials_issued", "cloud_identity.connected", #""access_token":"ya29."#, "Apply complete! Resources: 1 added", "the bucket is there"] {
            #expect(run.standardOutput.contains(expected), "\(expected) in:\n\(run.standardOutput.prefix(2000))")
        }
        #expect(run.standardOutput.hasSuffix("204\n"), "revoked")
    }
}
