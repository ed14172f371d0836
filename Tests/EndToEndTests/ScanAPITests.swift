import AWSTestSupport
import Foundation
import Runtime
import Testing
@_spi(Privileged) import Database

/// A member starts a scan (`POST /api/cloud-identities/{id}/scans`), the gateway hands it to
/// run-scan in the background, and `GET /api/scans` / `GET /api/findings` show the results —
/// to the workspace's members only.
@Suite(.serialized) final class ScanAPITests: @unchecked Sendable {
    let gateway: GatewayProcess
    let owner: Database
    let account: CustomerAccount

    init() throws {
        gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8), environment: ["SCAN_REGIONS": ScanWorkspace.regions])
        owner = try Database(url: try #require(ProcessInfo.processInfo.environment["MIGRATION_DATABASE_URL"]), applicationName: "scan-api-tests")
        account = try CustomerAccount()
    }

    func get(_ path: String, bearer: String) throws -> (status: Int, json: [String: Any]) {
        let response = try gateway.request("GET", path, headers: [("Authorization", "Bearer \(bearer)")])
        return (response.status, (try? jsonObject(response.body)) ?? [:])
    }

    @Test func aMemberStartsAScanAndPagesThroughItsFindings() async throws {
        let workspace = try await ScanWorkspace(gateway: gateway, owner: owner, account: account)
        let member = try await makeSignedInUser(owner: owner)
        _ = try await owner.runAsConnectedRole([Statement("INSERT INTO public.memberships (organization_id, user_id, role) VALUES ($1, $2, 'member')", workspace.organization, member.id)])
        let path = "/api/cloud-identities/\(workspace.identity.uuidString)/scans"

        let started = try gateway.request("POST", path, headers: [("Authorization", "Bearer \(member.token)")])
        #expect(started.status == 202, "\(String(decoding: started.body, as: UTF8.self))")
        let scan = try #require(try jsonObject(started.body)["id"] as? String)
        // Asking again while it is pending answers the same scan.
        let again = try gateway.request("POST", path, headers: [("Authorization", "Bearer \(member.token)")])
        #expect(again.status == 200)
        #expect(try jsonObject(again.body)["id"] as? String == scan)

        let org = workspace.organization.uuidString
        let finished = try await eventually {
            let page = try get("/api/scans?organization_id=\(org)", bearer: member.token)
            let first = (page.json["items"] as? [[String: Any]])?.first
            return first?["id"] as? String == scan && ["succeeded", "partial", "failed"].contains(first?["status"] as? String ?? "")
        }
        #expect(finished, "the scan did not finish")
        let listed = try #require((try get("/api/scans?organization_id=\(org)&status=succeeded", bearer: member.token).json["items"] as? [[String: Any]])?.first)
        #expect(listed["id"] as? String == scan)
        #expect(listed["trigger"] as? String == "user")
        #expect((listed["resource_count"] as? Int ?? 0) > 0)

        // Every failing finding, two at a time, most severe first, none twice.
        var seen: [String] = [], severities: [Int] = [], cursor: String?
        let rank = ["critical": 5, "high": 4, "medium": 3, "low": 2, "informational": 1]
        repeat {
            let page = try get("/api/findings?organization_id=\(org)&status=FAIL&limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), bearer: member.token)
            #expect(page.status == 200)
            let items = page.json["items"] as? [[String: Any]] ?? []
            #expect(items.count <= 2)
            for item in items {
                seen.append(item["id"] as? String ?? "")
                severities.append(rank[item["severity"] as? String ?? ""] ?? 0)
                #expect(item["status"] as? String == "FAIL")
                #expect(!(item["remediation"] as? String ?? "").isEmpty)
            }
            cursor = page.json["next_cursor"] as? String
        } while cursor != nil && seen.count < 2000
        let failing: Int? = try await owner.runAsConnectedRole([Statement(
            "SELECT count(*) FROM public.findings WHERE cloud_identity_id = $1 AND status = 'FAIL'", workspace.identity)])[0].first?["count"]
        #expect(seen.count == failing)
        #expect(Set(seen).count == seen.count)
        #expect(severities == severities.sorted(by: >))

        let critical = try get("/api/findings?organization_id=\(org)&severity=critical&service=s3,ec2&state=open", bearer: member.token)
        for item in critical.json["items"] as? [[String: Any]] ?? [] {
            #expect(item["severity"] as? String == "critical")
            #expect(["s3", "ec2"].contains(item["service"] as? String ?? ""))
            #expect(item["new"] as? Bool == true, "a first scan's failures are all new")
        }
        #expect(try get("/api/findings?organization_id=\(org)&severity=urgent", bearer: member.token).status == 400)

        // Another workspace's member sees none of it: for them the workspace does not exist.
        let stranger = try await makeSignedInUser(owner: owner)
        _ = try await makeWorkspace(owner: owner, member: stranger.id, role: "owner")
        let hidden = try get("/api/findings?organization_id=\(org)", bearer: stranger.token)
        #expect(hidden.status == 404)
        #expect(hidden.json["items"] == nil)
        #expect(try get("/api/scans?organization_id=\(org)", bearer: stranger.token).status == 404)
        #expect(try gateway.request("POST", path, headers: [("Authorization", "Bearer \(stranger.token)")]).status == 404)
    }
}
