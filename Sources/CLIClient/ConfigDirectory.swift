import Foundation

/// Where a user's logins live: `$ZCP_CONFIG_DIR`, else `$XDG_CONFIG_HOME/zcp`, else
/// `~/.config/zcp` (as gh does, on macOS too). The folder is 0700; every file in it 0600.
public struct ConfigDirectory: Sendable {
    public let path: String

    public init(environment: [String: String]) {
        if let directory = environment["ZCP_CONFIG_DIR"], !directory.isEmpty {
            path = directory
        } else if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty {
            path = xdg + "/zcp"
        } else {
            path = (environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.config/zcp"
        }
    }

    /// The sealed logins of every profile (or, with a keyring, which profiles are there).
    public var authFile: String { path + "/auth.json" }
    /// The random key `auth.json`'s sealed parts are sealed under, kept apart from them.
    public var keyFile: String { path + "/auth.key" }
    /// Taken exclusively by every change: login, refresh, cached credentials, logout.
    public var lockFile: String { path + "/auth.lock" }

    /// Makes the folder (0700) if missing and tightens it if it is looser.
    public func prepare() throws(CLIError) {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw .failure("cannot create \(path): \(error.localizedDescription)")
            }
        } else if !isDirectory.boolValue {
            throw .failure("\(path) is not a folder")
        }
        guard chmod(path, 0o700) == 0 else { throw .failure("cannot make \(path) private (chmod 0700): \(String(cString: strerror(errno)))") }
    }
}
