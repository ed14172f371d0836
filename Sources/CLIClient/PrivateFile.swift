import Foundation

/// Files only the user can read, replaced atomically: a reader (or a process killed mid-write)
/// sees the old content or the new, never a mix. Written to a temporary file in the same
/// folder (0600), flushed to disk, renamed over the old one, and the folder flushed too.
public enum PrivateFile {
    public static func read(_ path: String) throws(CLIError) -> [UInt8]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw .failure("cannot read \(path)") }
        return Array(data)
    }

    public static func write(_ bytes: [UInt8], to path: String) throws(CLIError) {
        let temporary = "\(path).\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .failure("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if result < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(descriptor)
                unlink(temporary)
                throw .failure("cannot write \(temporary): \(reason)")
            }
            written += result
        }
        guard fchmod(descriptor, 0o600) == 0, fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            unlink(temporary)
            throw .failure("cannot write \(temporary): \(reason)")
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .failure("cannot replace \(path): \(reason)")
        }
        let folder = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_CLOEXEC)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
    }

    public static func remove(_ path: String) {
        unlink(path)
    }
}
