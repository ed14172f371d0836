import Database
import Domain
import FoundationEssentials
import Synchronization

/// A run's log on its way to `terraform_run_logs`: output is appended as it comes (from any
/// thread), and written in numbered chunks with every credential value redacted. A secret split
/// across two reads is held back until it is whole; at most `limit` bytes are kept.
final class RunLog: Sendable {
    struct Pending {
        var bytes: [UInt8] = []
        var total = 0
        var truncated = false
        /// The seq of the next chunk, taken together with its bytes (so seq order is output order
        /// even when two flushes overlap).
        var nextSeq = 0
    }

    let run: UUID
    let workspace: UUID
    let limit: Int
    private let pending = Mutex(Pending())
    private let redactor = Mutex(SecretRedactor([]))
    private let firstError = Mutex<String?>(nil)

    /// Terraform's first `Error:` line, redacted: what the run's status says went wrong.
    var error: String? { firstError.withLock { $0 } }

    init(run: UUID, workspace: UUID, limit: Int = 8 << 20) {
        self.run = run
        self.workspace = workspace
        self.limit = limit
    }

    /// From here on, these values (and those named before) never reach the log.
    func redact(_ secrets: [String]) {
        redactor.withLock { $0 = $0.adding(secrets) }
    }

    func append(_ bytes: [UInt8]) {
        pending.withLock { pending in
            guard !pending.truncated else { return }
            let room = max(0, limit - pending.total)
            pending.bytes += bytes.prefix(room)
            pending.total += min(room, bytes.count)
            if bytes.count > room {
                pending.truncated = true
                pending.bytes += Array("\n[the log is truncated here: it reached \(limit >> 20) MiB]\n".utf8)
            }
        }
    }

    /// Terraform's first diagnostic: the `Error: ` line and the lines it wraps onto, up to the
    /// blank line that ends its summary, joined (at most 1000 characters).
    static func firstError(in text: String) -> String? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.drop { $0 == " " || $0 == "│" || $0 == "╷" } }
        guard let start = lines.firstIndex(where: { $0.hasPrefix("Error: ") }) else { return nil }
        let paragraph = lines[start...].prefix { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return String(paragraph.joined(separator: " ").prefix(1000))
    }

    /// A line of the platform's own (what it is doing and why).
    func note(_ line: String) {
        append(Array("[zcp] \(line)\n".utf8))
    }

    /// Writes what has come so far; `final` writes everything, else what may still be the start
    /// of a secret (and a partial UTF-8 character) stays for the next flush.
    func flush(session: some DatabaseSession, final: Bool = false) async throws {
        let redactor = redactor.withLock { $0 }
        let (ready, seq): ([UInt8], Int) = pending.withLock { pending in
            var cut = final ? pending.bytes.count : pending.bytes.count - redactor.heldBack(pending.bytes)
            // Never in the middle of a UTF-8 character (its continuation bytes are 10xxxxxx).
            while !final, cut > 0, cut < pending.bytes.count, pending.bytes[cut] & 0xC0 == 0x80 { cut -= 1 }
            guard cut > 0 else { return ([], 0) }
            let ready = Array(pending.bytes[..<cut])
            pending.bytes.removeFirst(cut)
            defer { pending.nextSeq += 1 }
            return (ready, pending.nextSeq)
        }
        guard !ready.isEmpty else { return }
        let text = redactor.redact(String(decoding: ready, as: UTF8.self)).replacing("\u{0}", with: "")
        if firstError.withLock({ $0 == nil }), let found = Self.firstError(in: text) {
            firstError.withLock { $0 = found }
        }
        _ = try await session.query(
            "INSERT INTO public.terraform_run_logs (run_id, organization_id, seq, text) VALUES ($1, $2, $3, $4)", run, workspace, seq, text)
    }
}
