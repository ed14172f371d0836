import FoundationEssentials

/// The limits of CLI login, in one place so handlers and tests agree.
public enum CLILoginPolicy {
    /// How long an approved device code can be exchanged.
    public static let codeLifetime: Duration = .seconds(10 * 60)
    /// Wrong verification codes a device code survives; the fifth kills it.
    public static let maximumFailedAttempts = 5
    /// A CLI session ends after this long unused…
    public static let idleLifetime: Duration = .seconds(30 * 24 * 3600)
    /// …and at the latest this long after login.
    public static let absoluteLifetime: Duration = .seconds(90 * 24 * 3600)
    /// Access tokens are short: a stolen one is useful briefly; the CLI refreshes transparently.
    public static let accessTokenLifetime: Duration = .seconds(15 * 60)
    /// A refresh token presented again within this window after its rotation is answered
    /// `invalid_grant` without revoking the session: two CLI processes refreshing at once is a
    /// race, not theft. Later reuse revokes the whole session.
    public static let concurrentRefreshGrace: Duration = .seconds(10)
    /// The audience of platform access tokens minted for the CLI.
    public static let accessTokenAudience = "platform-cli"
}
