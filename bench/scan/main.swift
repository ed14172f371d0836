// make bench (scan part): a large seeded account in moto (thousands of resources across services
// and two regions), scanned by ScanRunner as run-scan does; against the same collectors making
// the same calls back to back (one request in flight), measured in the same run. Then check
// evaluations per second, in process. Runs under scripts/with-services.sh.
import AWSAPI
import AWSInventory
import Cloud
import CloudAccess
@_spi(Privileged) import Database
import DatabaseService
import Domain
import Foundation
import Logging
import Runtime
import Scanning

let environment = ProcessInfo.processInfo.environment
let regions = "us-east-1,eu-west-1"
let scale = environment["BENCH_SCAN_SCALE"] ?? "40"
let owner = try Database(url: environment["MIGRATION_DATABASE_URL"]!, applicationName: "bench-scan")
let platform = try Database(url: environment["DATABASE_URL"]!, applicationName: "bench-scan")

func elapsed(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    let duration = ContinuousClock.now - start
    return Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

// The account: the seed script's resources, `scale` times per region.
FileHandle.standardError.write(Data("seeding the account (scale \(scale))...\n".utf8))
let seed = Process()
seed.executableURL = URL(fileURLWithPath: "/usr/bin/env")
seed.arguments = ["python3", "Tests/Support/aws-seed/seed-account.py", "bench", scale]
seed.environment = environment.merging(["SCAN_REGIONS": regions]) { $1 }
seed.standardOutput = FileHandle.nullDevice
try seed.run()
seed.waitUntilExit()
guard seed.terminationStatus == 0 else { fatalError("seeding failed") }

// A workspace and its connected identity, as connect-account leaves them.
let keyHex = environment["EXTERNAL_ID_KEY"]!
let organization = UUID(), user = UUID()
let externalID = ExternalID.derive(organization: organization, key: try ExternalID.key(hex: keyHex))
let administrator = AWSCredentials(accessKeyID: environment["CUSTOMER_AWS_ACCESS_KEY_ID"]!, secretAccessKey: environment["CUSTOMER_AWS_SECRET_ACCESS_KEY"]!)
let iam = AWSQueryClient(service: "iam", version: "2010-05-08", region: "us-east-1", credentials: administrator)
let roleName = "bench-scan-\(organization.uuidString.prefix(8))"
let trust = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"\#(environment["PLATFORM_AWS_PRINCIPAL_ARN"]!)"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"\#(externalID.value)"}}}]}"#
let role = try await iam.call("CreateRole", [("RoleName", roleName), ("AssumeRolePolicyDocument", trust)]).value("Arn")!
for policy in ["SecurityAudit", "job-function/ViewOnlyAccess"] {
    _ = try await iam.call("AttachRolePolicy", [("RoleName", roleName), ("PolicyArn", "arn:aws:iam::aws:policy/\(policy)")])
}
_ = try await iam.call("PutRolePolicy", [("RoleName", roleName), ("PolicyName", "moto-s3-control"),
    ("PolicyDocument", #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetPublicAccessBlock","Resource":"*"}]}"#)])
let identity = UUID()
_ = try await owner.runAsConnectedRole([
    Statement("INSERT INTO auth.users (id, email) VALUES ($1, 'bench@example.test')", user),
    Statement("INSERT INTO public.organizations (id, name, created_by) VALUES ($1, 'bench', $2)", organization, user),
    Statement("""
        INSERT INTO public.cloud_identities (id, organization_id, provider, aws_role_arn, aws_account_id, aws_external_id_hash, status)
        VALUES ($1, $2, 'aws', $3, '123456789012', $4, 'active')
        """, identity, organization, role, Bytes(externalID.hash)),
])

let session = ServiceSession(database: platform)
let scanEnvironment = Environment(values: environment.merging(["SCAN_REGIONS": regions]) { $1 })
let access = try AWSAccess(environment: scanEnvironment)
let logger = Logger(label: "bench-scan")

var rows: [(String, Double, Int)] = []
for round in 1...3 {
    // Baseline: the same collectors, one request in flight — every call back to back.
    var baselineCount = 0
    let baseline = try await elapsed {
        let issued = try await access.credentials(for: identity, purpose: .scan, requester: .system("bench"), session: session)
        let inventory = AccountInventory(account: "123456789012", regions: regions.split(separator: ",").map(String.init), maximumRequestsInFlight: 1,
                                         environment: scanEnvironment, credentials: { issued.credentials })
        baselineCount = try await inventory.collect().resources.count
    }
    // The scan as run-scan runs it: collection with 16 requests in flight, evaluation, writes.
    let runner = try ScanRunner(environment: scanEnvironment)
    let scan: UUID = try await owner.runAsConnectedRole([Statement(
        "INSERT INTO public.scans (organization_id, cloud_identity_id, trigger) VALUES ($1, $2, 'schedule') RETURNING id", organization, identity)])[0].first!["id"]
    var resources = 0
    let scanned = try await elapsed {
        guard case .finished(let status, let count, _) = try await runner.run(scan: scan, session: session, logger: logger), status == "succeeded" else {
            fatalError("the scan did not succeed")
        }
        resources = count
    }
    FileHandle.standardError.write(Data("round \(round): scan \(String(format: "%.2f", scanned)) s, back-to-back collection \(String(format: "%.2f", baseline)) s, \(resources) resources (\(baselineCount) collected alone)\n".utf8))
    rows.append(("round \(round)", scanned / baseline, resources))
    rows.append(("scan", scanned, resources))
    rows.append(("baseline", baseline, baselineCount))
}
let scans = rows.filter { $0.0 == "scan" }.map(\.1).sorted(), baselines = rows.filter { $0.0 == "baseline" }.map(\.1).sorted()
let resources = rows.filter { $0.0 == "scan" }.map(\.2).max() ?? 0
let scanMedian = scans[scans.count / 2], baselineMedian = baselines[baselines.count / 2]
print("scan of \(resources) resources (2 regions, 8 services): \(String(format: "%.2f", scanMedian)) s, \(Int(Double(resources) / scanMedian)) resources/s")
print("the same calls back to back (collection only, no writes): \(String(format: "%.2f", baselineMedian)) s → scan / back-to-back = \(String(format: "%.2f", scanMedian / baselineMedian))×")

// Check evaluations in process: every check against every resource of its type.
let stored = try await owner.runAsConnectedRole([Statement(
    "SELECT arn, resource_type, service, region, attributes::text AS attributes FROM public.resources WHERE cloud_identity_id = $1", identity)])[0].rows
let inventory = try stored.map { row in
    CloudResource(arn: try row["arn"], type: try row["resource_type"], service: try row["service"], region: try row["region"],
                  attributes: try JSONDecoder().decode(AttributeValue.self, from: Data((try row["attributes"] as String).utf8)))
}
var verdicts = 0
let repetitions = 50
let evaluation = await elapsed {
    for _ in 0..<repetitions { verdicts += SecurityChecks.evaluate(inventory).count }
}
print("check evaluations: \(Int(Double(verdicts) / evaluation)) verdicts/s in process (\(verdicts / repetitions) verdicts over \(inventory.count) resources, \(SecurityChecks.all.count) checks)")
