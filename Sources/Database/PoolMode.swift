/// How the database is reached, named in `DATABASE_URL` itself (`?pool_mode=transaction`), so
/// whoever holds the URL holds the mode.
///
/// - `session` (the default): a direct connection, or a pooler in session mode. Statements run
///   often are prepared once per connection, and session settings go in the startup packet.
/// - `transaction`: PgBouncer, Supavisor or RDS Proxy in transaction mode, where consecutive
///   transactions may run on different server connections. Nothing may outlive a transaction:
///   no named prepared statements (PgBouncer before 1.21 does not track them), and no startup
///   `options` (PgBouncer refuses the parameter); the session settings come from the database's
///   own defaults instead (migration 0018). Each batch still ends with one Sync, so a whole
///   transaction stays one round trip on one server connection.
public enum PoolMode: String, Sendable {
    case session
    case transaction

    /// The URL without the platform's own parameter (libpq refuses parameters it does not know),
    /// and the mode it named.
    static func parse(_ url: String) throws(DatabaseError) -> (libpqURL: String, mode: PoolMode) {
        guard let question = url.firstIndex(of: "?") else { return (url, .session) }
        var mode = PoolMode.session
        var kept: [Substring] = []
        for parameter in url[url.index(after: question)...].split(separator: "&") {
            if parameter.hasPrefix("pool_mode=") {
                guard let named = PoolMode(rawValue: String(parameter.dropFirst("pool_mode=".count))) else {
                    throw .unavailable("DATABASE_URL's pool_mode must be session or transaction")
                }
                mode = named
            } else {
                kept.append(parameter)
            }
        }
        let base = String(url[..<question])
        return (kept.isEmpty ? base : base + "?" + kept.joined(separator: "&"), mode)
    }
}
