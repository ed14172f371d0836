// swift-tools-version: 6.1
import PackageDescription

// Release builds (`make package`, `make bench`) pass `--static-swift-stdlib`, so a Lambda
// `bootstrap` carries its Swift runtime and Foundation parts and loads no Swift shared library.

/// One executable per handler: each is a Lambda `bootstrap`, a gateway child process and a local `--event` runner.
func function(_ name: String, dependencies: [Target.Dependency] = []) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["Runtime"] + dependencies,
        path: "Sources/Functions/\(name)"
    )
}

let package = Package(
    name: "platform",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "health", targets: ["health"]),
        .executable(name: "oidc", targets: ["oidc"]),
        .executable(name: "cli-authorize", targets: ["cli-authorize"]),
        .executable(name: "cli-exchange", targets: ["cli-exchange"]),
        .executable(name: "cli-refresh", targets: ["cli-refresh"]),
        .executable(name: "cli-logout", targets: ["cli-logout"]),
        .executable(name: "cli-sessions", targets: ["cli-sessions"]),
        .executable(name: "aws-external-id", targets: ["aws-external-id"]),
        .executable(name: "gcp-workload-identity", targets: ["gcp-workload-identity"]),
        .executable(name: "azure-federated-credential", targets: ["azure-federated-credential"]),
        .executable(name: "connect-account", targets: ["connect-account"]),
        .executable(name: "revoke", targets: ["revoke"]),
        .executable(name: "assume-role", targets: ["assume-role"]),
        .executable(name: "run-scan", targets: ["run-scan"]),
        .executable(name: "scan-dispatch", targets: ["scan-dispatch"]),
        .executable(name: "start-scan", targets: ["start-scan"]),
        .executable(name: "scan-results", targets: ["scan-results"]),
        .executable(name: "provider-tokens", targets: ["provider-tokens"]),
        .executable(name: "provider-token-refresh", targets: ["provider-token-refresh"]),
        .executable(name: "cloud-identities", targets: ["cloud-identities"]),
        .executable(name: "audit-events", targets: ["audit-events"]),
        .executable(name: "workspaces", targets: ["workspaces"]),
        .executable(name: "runs", targets: ["runs"]),
        .executable(name: "run-terraform", targets: ["run-terraform"]),
        .executable(name: "terraform-state", targets: ["terraform-state"]),
        .executable(name: "gateway", targets: ["gateway"]),
        // The command-line client: `swift build -c release --product zcp`.
        .executable(name: "zcp", targets: ["zcp"]),
        .executable(name: "migrate", targets: ["migrate"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // libcurl is dlopen'ed on first use (see ccurl.c); only its headers are needed to build.
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        // prctl for the Terraform runner (a variadic call Swift cannot make).
        .target(name: "CProcess"),
        // gzip for uploaded Terraform configurations (zlib's inflateInit2 is a macro).
        .target(name: "CGzip", linkerSettings: [.linkedLibrary("z")]),
        .target(
            name: "Runtime",
            dependencies: ["CCurl", .product(name: "Logging", package: "swift-log")]
        ),
        function("health"),

        function("oidc", dependencies: ["Cloud"]),
        function("cli-authorize", dependencies: ["Database", "Domain"]),
        function("cli-exchange", dependencies: ["Database", "Domain", "Cloud"]),
        function("cli-refresh", dependencies: ["Database", "Domain", "Cloud"]),
        function("cli-logout", dependencies: ["Database", "Domain"]),
        function("cli-sessions", dependencies: ["Database"]),
        function("aws-external-id", dependencies: ["Database", "Domain"]),
        function("connect-account", dependencies: ["Database", "Domain", "Cloud", "AWSAPI", "GCPAPI", "AzureAPI", "CloudAccess", .product(name: "Logging", package: "swift-log")]),
        function("gcp-workload-identity", dependencies: ["Database", "Domain"]),
        function("azure-federated-credential", dependencies: ["Database", "Domain"]),
        function("revoke", dependencies: ["Database"]),
        function("scan-dispatch", dependencies: ["Database", "DatabaseService", "WorkQueue"]),
        function("start-scan", dependencies: ["Database", "WorkQueue"]),
        function("scan-results", dependencies: ["Database", "Domain"]),
        function("run-scan", dependencies: ["Database", "DatabaseService", "Scanning", "WorkQueue"]),
        function("provider-tokens", dependencies: ["Database", "Domain", "GitTokens"]),
        function("provider-token-refresh", dependencies: ["Database", "DatabaseService", "Domain", "GitTokens"]),
        function("cloud-identities", dependencies: ["Database"]),
        function("audit-events", dependencies: ["Database", "Domain"]),
        function("workspaces", dependencies: ["Database", "Domain"]),
        function("assume-role", dependencies: ["Database", "CloudAccess", .product(name: "Logging", package: "swift-log")]),
        function("runs", dependencies: ["CGzip", "Database", "Domain", "WorkQueue"]),
        function("run-terraform", dependencies: ["Database", "DatabaseService", "TerraformRuns", "WorkQueue"]),
        function("terraform-state", dependencies: ["Database", "Domain", "TerraformRuns"]),

        // The platform's own credentials: its OIDC issuer's signing keys, its access tokens, AWS
        // credentials and SigV4. Every module below has its folder under Sources/ by its name.
        .target(
            name: "Cloud",
            dependencies: ["Domain", "Runtime", .product(name: "JWTKit", package: "jwt-kit"), .product(name: "Crypto", package: "swift-crypto")]
        ),
        // AWS's APIs (query, REST-XML), with the small XML reader their answers need.
        .target(name: "AWSAPI", dependencies: ["Cloud", "Runtime"]),
        // Reading a customer's account for a scan: collectors per service and region, one request limiter.
        .target(name: "AWSInventory", dependencies: ["AWSAPI", "Cloud", "Domain", "Runtime"]),
        // Handing scans to run-scan and runs to run-terraform (SQS on AWS, asynchronous invokes locally).
        .target(name: "WorkQueue", dependencies: ["AWSAPI", "Cloud", "Runtime", .product(name: "Logging", package: "swift-log")]),
        // A scan from its event to its rows.
        .target(
            name: "Scanning",
            dependencies: ["AWSAPI", "AWSInventory", "CloudAccess", "Cloud", "Database", "Domain", "Runtime", .product(name: "Logging", package: "swift-log")]
        ),
        // Git provider OAuth tokens: encrypted at rest, refreshed at the providers' token endpoints.
        .target(
            name: "GitTokens",
            dependencies: ["Database", "Domain", "Runtime", .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto")]),
        // Google's STS and IAM Credentials: a federation token for a service account's access token.
        .target(name: "GCPAPI", dependencies: ["Runtime"]),
        // Entra ID's token endpoint: a federation token as client assertion for an ARM access token.
        .target(name: "AzureAPI", dependencies: ["Runtime"]),
        // Getting into a customer's account: the identity through the caller's session, AssumeRole, the audit.
        .target(name: "CloudAccess", dependencies: ["AWSAPI", "GCPAPI", "AzureAPI", "Cloud", "Database", "Domain", "Runtime"]),

        // Terraform runs from claim to state: the stack's lock, provisioning credentials, the
        // configuration's folder, Terraform as a child process, the redacted log; sealed states.
        .target(
            name: "TerraformRuns",
            dependencies: ["CloudAccess", "CProcess", "Database", "Domain", "GitTokens", "Runtime", .product(name: "Logging", package: "swift-log")]
        ),

        // Pure types and rules of the domain: no I/O.
        .target(name: "Domain", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),

        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // The RLS client: user and anonymous sessions, caller verification, typed rows.
        .target(
            name: "Database",
            dependencies: ["CLibPQ", "Runtime", .product(name: "JWTKit", package: "jwt-kit")]
        ),
        // The service-role session and the migrator: only system functions and tools depend on it.
        .target(name: "DatabaseService", dependencies: ["Database"]),
        .executableTarget(
            name: "migrate",
            dependencies: ["DatabaseService", "GitTokens", "Runtime", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/MigrateCommand"
        ),

        // The local gateway: development and tests only, never deployed.
        .target(
            name: "Gateway",
            dependencies: [
                "Runtime", "Database", "Domain", .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "gateway",
            dependencies: ["Gateway", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/GatewayCommand"
        ),

        // A handler that misbehaves on request, to prove the runtime and gateway; never shipped.
        // The command-line client (Linux and macOS): login, stored sessions, credentials for tools.
        .target(
            name: "CLIClient",
            dependencies: ["Domain", "Runtime", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .executableTarget(
            name: "zcp",
            dependencies: ["CLIClient", "Runtime", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "runtime-fixture", dependencies: ["Runtime"], path: "Tests/Fixtures/runtime-fixture"),

        // The runtime alone, for `make bench`; never shipped.
        .executableTarget(
            name: "bench-scan",
            dependencies: ["AWSAPI", "AWSInventory", "Cloud", "CloudAccess", "Database", "DatabaseService", "Domain", "Runtime", "Scanning",
                           .product(name: "Logging", package: "swift-log")],
            path: "bench/scan"
        ),
        .executableTarget(name: "bench-noop", dependencies: ["Runtime"], path: "bench/noop-function"),

        .executableTarget(
            name: "bench-database",
            dependencies: ["Database", "DatabaseService", .product(name: "JWTKit", package: "jwt-kit")],
            path: "bench/database"
        ),

        .executableTarget(
            name: "bench-cli-refresh",
            dependencies: ["Database", "Domain", "Runtime", .product(name: "JWTKit", package: "jwt-kit"), .product(name: "Crypto", package: "swift-crypto")],
            path: "bench/cli-refresh"
        ),

        .target(name: "AWSTestSupport", dependencies: ["AWSAPI", "Cloud", "Runtime"], path: "Tests/Support/AWSTestSupport"),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime"]),
        .testTarget(name: "DomainTests", dependencies: ["Domain"]),
        .testTarget(name: "TerraformRunsTests", dependencies: ["TerraformRuns"]),
        .testTarget(
            name: "CloudTests",
            dependencies: [
                "Cloud", "AWSAPI", "GCPAPI", "AzureAPI", "AWSTestSupport", "Domain", "Runtime", .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .testTarget(name: "CLIClientTests", dependencies: ["CLIClient", "Runtime"]),
        .testTarget(name: "GatewayTests", dependencies: ["Gateway", "Runtime", .product(name: "Yams", package: "Yams")]),
        .testTarget(
            name: "DatabaseTests",
            dependencies: ["Database", "DatabaseService", "Runtime", .product(name: "JWTKit", package: "jwt-kit")]
        ),
        // Drives the built executables (gateway, functions, fixture) as a user would.
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["Runtime", "Database", "Domain", "Cloud", "AWSAPI", "AWSTestSupport", .product(name: "JWTKit", package: "jwt-kit"), .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)
