import FoundationEssentials

/// The code a CLI makes up (a UUID) and puts in the login URL; the platform sees it first when
/// the signed-in user approves it, and keeps only its SHA-256.
public struct DeviceCode: Sendable, Equatable, CustomStringConvertible {
    public let value: String

    /// nil unless `text` is a UUID (any case), so guessable or oversized values are refused early.
    public init?(_ text: String) {
        guard let uuid = UUID(uuidString: text.trimmingWhitespace()) else { return nil }
        value = uuid.uuidString.lowercased()
    }

    public var description: String { "DeviceCode(redacted)" }
}

extension String {
    func trimmingWhitespace() -> String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
