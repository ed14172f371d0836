import Foundation

/// The exclusive lock every change to the stored logins takes (`flock` on `auth.lock`), so
/// parallel invocations — Terraform starts one provider process per alias at once — refresh a
/// session once between them: each re-reads what is stored after taking the lock and refreshes
/// only if it is still needed. Re-entrant within a process; released when the process ends,
/// however it ends.
public final class ProfileLock: @unchecked Sendable {
    private let path: String
    private var descriptor: Int32 = -1
    private var depth = 0

    public init(path: String) {
        self.path = path
    }

    public func withLock<T>(_ body: () throws -> T) throws -> T {
        if depth == 0 {
            let opened = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard opened >= 0 else { throw CLIError.failure("cannot open \(path): \(String(cString: strerror(errno)))") }
            while flock(opened, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    let reason = String(cString: strerror(errno))
                    close(opened)
                    throw CLIError.failure("cannot lock \(path): \(reason)")
                }
            }
            descriptor = opened
        }
        depth += 1
        defer {
            depth -= 1
            if depth == 0 {
                flock(descriptor, LOCK_UN)
                close(descriptor)
                descriptor = -1
            }
        }
        return try body()
    }
}
