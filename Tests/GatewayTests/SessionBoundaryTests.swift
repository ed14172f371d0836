import Foundation
import Testing
@testable import Gateway

/// User-facing functions cannot obtain a service-role session: the service session lives in the
/// `DatabaseService` module, and no function serving an HTTP route may depend on it, directly or
/// through another target — checked on the package graph SwiftPM itself reports.
@Suite struct SessionBoundaryTests {
    struct Manifest: Decodable {
        struct Target: Decodable {
            let name: String
            let type: String
            let path: String?
            let dependencies: [[String: [String?]]]
            var dependencyNames: [String] { dependencies.compactMap { ($0["byName"] ?? $0["target"])?.first ?? nil } }
        }
        let targets: [Target]
    }

    func manifest() throws -> Manifest {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // A scratch path of its own, so this does not wait for the build folder `swift test` holds.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("dump-package-\(UUID().uuidString)").path
        process.arguments = ["swift", "package", "--scratch-path", scratch, "dump-package"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: scratch)
        return try JSONDecoder().decode(Manifest.self, from: data)
    }

    func closure(of name: String, in targets: [String: Manifest.Target]) -> Set<String> {
        var seen: Set<String> = []
        var pending = [name]
        while let next = pending.popLast() {
            for dependency in targets[next]?.dependencyNames ?? [] where seen.insert(dependency).inserted {
                pending.append(dependency)
            }
        }
        return seen
    }

    @Test func noUserFacingFunctionCanReachTheServiceSession() throws {
        let manifest = try manifest()
        let targets = Dictionary(uniqueKeysWithValues: manifest.targets.map { ($0.name, $0) })
        #expect(targets["DatabaseService"] != nil)
        // The rule has teeth: the migrator does reach it through the graph.
        #expect(closure(of: "migrate", in: targets).contains("DatabaseService"))

        let functions = try Template.load(path: "infra/template.yaml")
        let userFacing = functions.filter { !$0.routes.isEmpty }
        #expect(!userFacing.isEmpty)
        for function in userFacing {
            let target = try #require(targets[function.executable], "\(function.executable) is in the template but not in Package.swift")
            #expect(target.path == "Sources/Functions/\(function.executable)")
            #expect(!closure(of: function.executable, in: targets).contains("DatabaseService"),
                    "\(function.executable) serves HTTP routes but can reach the service session")
            for file in try FileManager.default.contentsOfDirectory(atPath: "Sources/Functions/\(function.executable)") {
                let source = try String(contentsOfFile: "Sources/Functions/\(function.executable)/\(file)", encoding: .utf8)
                #expect(!source.contains("@_spi(Privileged)"), "\(function.executable)/\(file) opens the privileged database API")
            }
        }
    }

    @Test func everyFunctionTargetIsDeployedByTheTemplate() throws {
        let deployed = Set(try Template.load(path: "infra/template.yaml").map(\.executable))
        let folders = try FileManager.default.contentsOfDirectory(atPath: "Sources/Functions")
        for folder in folders { #expect(deployed.contains(folder), "Sources/Functions/\(folder) is not in infra/template.yaml") }
    }
}
