import Foundation
import Testing
@testable import Domain

/// Uploaded configurations as the tools people have write them: GNU tar in each of its formats,
/// and Python's tarfile for the archives an attacker would craft.
@Suite struct RunSourceArchiveTests {
    /// A folder of files (paths to texts; a text starting with "->" is a symbolic link to the rest).
    func folder(_ files: [String: String]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("archive-\(UUID().uuidString)")
        for (path, text) in files {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            if text.hasPrefix("->") {
                try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: String(text.dropFirst(2)))
            } else {
                try text.write(to: url, atomically: false, encoding: .utf8)
            }
        }
        return root
    }

    func tar(_ folder: URL, format: String) throws -> [UInt8] {
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.deletingLastPathComponent().appendingPathComponent("\(folder.lastPathComponent).tar")
        defer { try? FileManager.default.removeItem(at: output) }
        try run("/usr/bin/env", ["tar", "--format=\(format)", "-cf", output.path, "-C", folder.path, "."])
        return [UInt8](try Data(contentsOf: output))
    }

    /// An archive of entries (name, type, content) written by Python's tarfile, which writes whatever it is told.
    func crafted(_ entries: [(String, String, String)]) throws -> [UInt8] {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("crafted-\(UUID().uuidString).tar")
        defer { try? FileManager.default.removeItem(at: output) }
        let members = try String(decoding: JSONSerialization.data(withJSONObject: entries.map { [$0.0, $0.1, $0.2] }), as: UTF8.self)
        try run("/usr/bin/env", ["python3", "-c", """
            import io, json, sys, tarfile
            with tarfile.open(sys.argv[1], "w", format=tarfile.GNU_FORMAT) as archive:
                for name, kind, content in json.loads(sys.argv[2]):
                    member = tarfile.TarInfo(name)
                    data = content.encode()
                    if kind == "symlink": member.type, member.linkname, data = tarfile.SYMTYPE, content, b""
                    if kind == "hardlink": member.type, member.linkname, data = tarfile.LNKTYPE, content, b""
                    if kind == "fifo": member.type, data = tarfile.FIFOTYPE, b""
                    if kind == "binary": data = bytes.fromhex(content)
                    member.size = len(data)
                    archive.addfile(member, io.BytesIO(data))
            """, output.path, members])
        return [UInt8](try Data(contentsOf: output))
    }

    func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(arguments)")
    }

    @Test(arguments: ["gnu", "pax", "ustar"])
    func aFolderIsReadAsItsFilesWithoutTheHiddenOnes(format: String) throws {
        // Deep enough that ustar needs its prefix field, GNU its long-name entry and pax its path record.
        let deep = "modules/" + String(repeating: "network-", count: 10) + "x/" + String(repeating: "subnets-", count: 8) + "main.tf"
        let files = try RunSourceArchive.files(tar: try tar(try folder([
            "main.tf": #"module "net" { source = "./modules" }"#,
            "terraform.tfvars": "name = \"ünïcode\"\n",
            deep: "variable \"cidr\" {}\n",
            ".terraform.lock.hcl": "# provider pins",
            ".terraform/providers/x": "binary",
            ".git/config": "[core]",
        ]), format: format))
        #expect(files.files == [
            "main.tf": #"module "net" { source = "./modules" }"#,
            "terraform.tfvars": "name = \"ünïcode\"\n",
            deep: "variable \"cidr\" {}\n",
        ])
    }

    @Test func linksAreRefusedWhereverTheyPoint() throws {
        #expect(throws: RunSourceArchive.Problem.unsupportedEntry(path: "secrets.tf", type: "symbolic link")) {
            try RunSourceArchive.files(tar: try tar(try folder(["main.tf": "", "secrets.tf": "->/etc/shadow"]), format: "gnu"))
        }
        #expect(throws: RunSourceArchive.Problem.unsupportedEntry(path: "copy.tf", type: "hard link")) {
            try RunSourceArchive.files(tar: try crafted([("main.tf", "file", ""), ("copy.tf", "hardlink", "/etc/passwd")]))
        }
        #expect(throws: RunSourceArchive.Problem.unsupportedEntry(path: "pipe", type: "FIFO")) {
            try RunSourceArchive.files(tar: try crafted([("main.tf", "file", ""), ("pipe", "fifo", "")]))
        }
    }

    @Test(arguments: ["../escape.tf", "/etc/cron.d/x.tf", "a/../../b.tf", "backend_override.tf"])
    func pathsThatLeaveTheFolderOrReplaceTheBackendAreRefused(name: String) throws {
        #expect(throws: RunSourceArchive.Problem.files(.badPath(name))) {
            try RunSourceArchive.files(tar: try crafted([("main.tf", "file", ""), (name, "file", "x")]))
        }
    }

    @Test func brokenArchivesAreRefusedPlainly() throws {
        let good = try tar(try folder(["main.tf": String(repeating: "# padding\n", count: 100)]), format: "gnu")
        for (bytes, expected) in [
            ([UInt8]("main.tf".utf8), "too short"),
            (Array(good.prefix(1024)), "longer than the archive"),
            (Array(good.prefix(2048)), "ends in the middle"),
            (good.enumerated().map { $0.offset == 10 ? $0.element ^ 0xFF : $0.element }, "checksum"),
            ([UInt8](repeating: 0, count: 1024), "at least one .tf file"),
        ] {
            #expect(throws: RunSourceArchive.Problem.self) { try RunSourceArchive.files(tar: bytes) }
            do {
                _ = try RunSourceArchive.files(tar: bytes)
            } catch {
                #expect(error.description.contains(expected), "\(error)")
            }
        }
        #expect(throws: RunSourceArchive.Problem.notText("plugin.tf")) {
            try RunSourceArchive.files(tar: try crafted([("main.tf", "file", ""), ("plugin.tf", "binary", "7f454c46ff")]))
        }
    }
}
