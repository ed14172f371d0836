/// Removes secret values from text bound for a log: every occurrence of each secret becomes
/// `[redacted]`. Secrets shorter than 8 characters are not looked for (they would redact ordinary
/// words; none of the credentials the platform hands out is that short).
public struct SecretRedactor: Sendable {
    public static let replacement = "[redacted]"
    let secrets: [String]

    public init(_ secrets: [String]) {
        // Longest first, so a secret that contains another is removed whole.
        self.secrets = Array(Set(secrets.filter { $0.utf8.count >= 8 })).sorted { $0.utf8.count > $1.utf8.count }
    }

    /// This redactor and `more` values.
    public func adding(_ more: [String]) -> SecretRedactor {
        SecretRedactor(secrets + more)
    }

    public func redact(_ text: String) -> String {
        secrets.reduce(text) { $0.replacing($1, with: Self.replacement) }
    }

    /// How many bytes at the end of `text` must wait for more: the longest ending that could be
    /// the start of a secret (a secret split across two reads of a pipe is only seen whole when
    /// both halves are together). Everything before it is safe to redact and write now.
    public func heldBack(_ text: [UInt8]) -> Int {
        var held = 0
        for secret in secrets.map({ Array($0.utf8) }) {
            var length = min(text.count, secret.count - 1)
            while length > held {
                if text[(text.count - length)...].elementsEqual(secret[..<length]) {
                    held = length
                    break
                }
                length -= 1
            }
        }
        return held
    }
}
