import Foundation
import Testing

/// What `make package` makes runs on Lambda's provided.al2023, proven without AWS: each zip is
/// unpacked into an otherwise empty root (its files at /var/task, /proc, /dev/null, /tmp and a CA
/// bundle at Amazon Linux's path, nothing of this Debian machine), its `bootstrap` started there by
/// the local gateway (the Runtime API server) with Lambda's LD_LIBRARY_PATH, and every sample event
/// of events/ answered. `make test` packages first and names the folder in PLATFORM_LAMBDA_BUNDLES.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["PLATFORM_LAMBDA_BUNDLES"] != nil))
final class LambdaBundleTests: @unchecked Sendable {
    let bundles = ProcessInfo.processInfo.environment["PLATFORM_LAMBDA_BUNDLES"] ?? ""
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("empty-roots-\(UUID().uuidString.prefix(8))").path

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    var zips: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: bundles)) ?? []).filter { $0.hasSuffix(".zip") }.map { String($0.dropLast(4)) }.sorted()
    }

    /// Every function of the template has a zip, and every zip passes the glibc/library check.
    @Test func everyBundleNeedsNothingProvidedAl2023LacksAndTheCheckCatchesWhatWouldNot() throws {
        let functions = try runProgram("scripts/template-functions.sh").standardOutput
            .split(separator: "\n").compactMap { $0.split(separator: "\t").last.map(String.init) }
        #expect(!functions.isEmpty)
        #expect(Set(functions).isSubset(of: Set(zips)), "missing: \(Set(functions).subtracting(zips))")
        let checked = try runProgram("scripts/check-lambda-bundle.py", arguments: zips.map { bundles + "/" + $0 })
        #expect(checked.status == 0, "\(checked.standardError)")

        // The same release binary without its bundle needs hypotf@GLIBC_2.35 (Debian's libm):
        // the check must say so, as Lambda would at exec.
        let bare = directory + "/bare"
        try FileManager.default.createDirectory(atPath: bare, withIntermediateDirectories: true)
        let release = try runProgram("/usr/bin/env", arguments: ["swift", "build", "-c", "release", "--static-swift-stdlib", "--show-bin-path"])
            .standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        try FileManager.default.copyItem(atPath: release + "/health", toPath: bare + "/bootstrap")
        let refused = try runProgram("scripts/check-lambda-bundle.py", arguments: [bare])
        #expect(refused.status == 1)
        #expect(refused.standardError.contains("GLIBC_2.35"), "\(refused.standardError)")

        // A bundle whose loader is the system's (no PT_INTERP rewrite) would load /lib64's libc on Lambda.
        let unpatched = directory + "/unpatched"
        try FileManager.default.copyItem(atPath: bundles + "/health", toPath: unpatched)
        try FileManager.default.removeItem(atPath: unpatched + "/bootstrap")
        try FileManager.default.copyItem(atPath: release + "/health", toPath: unpatched + "/bootstrap")
        let wrongLoader = try runProgram("scripts/check-lambda-bundle.py", arguments: [unpatched])
        #expect(wrongLoader.status == 1)
        #expect(wrongLoader.standardError.contains("/var/task/lib/ld-linux-x86-64.so.2"), "\(wrongLoader.standardError)")
    }

    /// Each zip in an empty root, served by the gateway's Runtime API, answers its sample events.
    @Test func everyZipAnswersItsSampleEventsFromAnEmptyRoot() throws {
        let launchers = directory + "/bin"
        try FileManager.default.createDirectory(atPath: launchers, withIntermediateDirectories: true)
        for function in zips {
            try makeEmptyRoot(function: function, launchers: launchers)
        }
        let gateway = try GatewayProcess(
            template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8),
            environment: ["SCAN_DISPATCH_LIMIT": "0", "PROVIDER_TOKEN_REFRESH_BATCH": "0"],
            buildDirectory: launchers)
        let events = try FileManager.default.contentsOfDirectory(atPath: "events").filter { $0.hasSuffix(".json") }.sorted()
        #expect(events.count >= zips.count)
        for file in events {
            let function = String(file.split(separator: ".")[0])
            let answer = try gateway.invoke(function, try String(contentsOfFile: "events/\(file)", encoding: .utf8))
            #expect(answer.status == 200, "\(file): \(answer.status) \(String(decoding: answer.body, as: UTF8.self))\n\(gateway.log.suffix(3000))")
            #expect(answer.header("X-Amz-Function-Error") == nil, "\(file): \(String(decoding: answer.body, as: UTF8.self))\n\(gateway.log.suffix(3000))")
            if let status = (try? jsonObject(String(decoding: answer.body, as: UTF8.self)))?["statusCode"] as? Int {
                #expect(status < 500, "\(file) answered \(status): \(String(decoding: answer.body, as: UTF8.self))")
            }
        }

        // health never called out: libcurl stayed unloaded, and the C library is the bundle's.
        let health = try #require(Int32(try String(contentsOfFile: directory + "/pids/health", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        let maps = try String(contentsOfFile: "/proc/\(health)/maps", encoding: .utf8)
        #expect(!maps.contains("libcurl"), "health loaded libcurl without calling out")
        #expect(maps.contains("/var/task/lib/libc.so.6"), "health runs on the bundle's C library")
        #expect(!maps.contains("/usr/lib/x86_64-linux-gnu/"), "nothing of this machine's libraries")
        _ = gateway.stop()
    }

    /// `root/var/task` holds the zip as Lambda unpacks it (modes kept); the launcher enters the
    /// root in a private mount namespace and execs the bootstrap there (same pid, so the gateway's
    /// signals reach the function).
    private func makeEmptyRoot(function: String, launchers: String) throws {
        let root = directory + "/roots/" + function
        for folder in ["var/task", "proc", "dev", "tmp", "etc/pki/tls/certs"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        let unzip = try runProgram("/usr/bin/env", arguments: ["python3", "-c", """
            import os, sys, zipfile
            with zipfile.ZipFile(sys.argv[1]) as archive:
                for info in archive.infolist():
                    path = archive.extract(info, sys.argv[2])
                    os.chmod(path, (info.external_attr >> 16) & 0o7777)
            """, "\(bundles)/\(function).zip", root + "/var/task"])
        #expect(unzip.status == 0, "\(unzip.standardError)")
        _ = FileManager.default.createFile(atPath: root + "/dev/null", contents: nil)
        try FileManager.default.copyItem(atPath: caBundle(), toPath: root + "/etc/pki/tls/certs/ca-bundle.crt")
        try FileManager.default.createDirectory(atPath: directory + "/pids", withIntermediateDirectories: true)
        let launcher = launchers + "/" + function
        try """
            #!/bin/sh
            echo $$ > '\(directory)/pids/\(function)'
            exec env -u SSL_CERT_FILE \
              LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib \
              LAMBDA_TASK_ROOT=/var/task \
              unshare --mount --propagation private sh -c 'mount --bind /proc "$0/proc" && mount --bind /dev/null "$0/dev/null" && exec chroot "$0" /var/task/bootstrap' '\(root)'
            """.write(toFile: launcher, atomically: true, encoding: .utf8)
        chmod(launcher, 0o755)
    }

    private func caBundle() -> String {
        ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"].first { FileManager.default.fileExists(atPath: $0) } ?? "/etc/ssl/certs/ca-certificates.crt"
    }
}
