import FoundationEssentials

/// A token's lifetime as a caller or a provider states it (`expires_in`, in seconds), bounded so
/// that no stated number, however large, can overflow a date or a database timestamp.
public enum TokenLifetime {
    /// Ten years: longer than any OAuth provider issues; a larger value is a mistake or an attack.
    public static let maximumSeconds = 315_360_000

    /// What the platform accepts from its own callers.
    public static func isValid(_ seconds: Int) -> Bool { (1...maximumSeconds).contains(seconds) }

    /// `seconds` after `now`, clamped into 1 second … 10 years (a provider's answer is not refused
    /// over a silly lifetime, only bounded).
    public static func expiry(after seconds: Int, from now: Date) -> Date {
        now.addingTimeInterval(Double(min(max(seconds, 1), maximumSeconds)))
    }
}
