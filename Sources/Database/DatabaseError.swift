import Runtime

/// What went wrong in the database, in the terms a handler acts on.
public enum DatabaseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The caller's token names no live user or session (28000, raised by `private.verify_caller`).
    case unauthenticated(String)
    /// A unique constraint (SQLSTATE 23505): the thing already exists.
    case conflict(String)
    /// Row-level security or a missing privilege (42501): the caller may not do this.
    case forbidden(String)
    /// A check, not-null or foreign-key constraint, or a bad value (23xxx, 22xxx): invalid input.
    case invalid(String)
    /// Serialization failure or deadlock (40001, 40P01): retried by sessions, surfaced when retries run out.
    case serializationFailure(String)
    /// No connection to the server (or it was lost mid-request).
    case unavailable(String)
    /// A value in a row could not be read as the requested type.
    case decoding(String)
    /// Anything else, with its SQLSTATE.
    case other(sqlState: String, message: String)

    static func from(sqlState: String, message: String) -> DatabaseError {
        switch sqlState {
        case "28000": .unauthenticated(message)
        case "23505": .conflict(message)
        case "42501": .forbidden(message)
        case "40001", "40P01": .serializationFailure(message)
        case _ where sqlState.hasPrefix("23") || sqlState.hasPrefix("22"): .invalid(message)
        case _ where sqlState.hasPrefix("08") || sqlState == "57P01" || sqlState == "57P02" || sqlState == "57P03": .unavailable(message)
        default: .other(sqlState: sqlState, message: message)
        }
    }

    public var description: String {
        switch self {
        case .unauthenticated(let message): "unauthenticated: \(message)"
        case .conflict(let message): "conflict: \(message)"
        case .forbidden(let message): "forbidden: \(message)"
        case .invalid(let message): "invalid: \(message)"
        case .serializationFailure(let message): "serialization failure: \(message)"
        case .unavailable(let message): "database unavailable: \(message)"
        case .decoding(let message): "decoding: \(message)"
        case .other(let state, let message): "SQLSTATE \(state): \(message)"
        }
    }
}

extension DatabaseError: HTTPErrorConvertible {
    public var httpError: HTTPError {
        switch self {
        case .unauthenticated(let message): .unauthorized(message, error: "invalid_token")
        case .conflict: .conflict("that already exists")
        case .forbidden: .forbidden("the caller may not do this")
        case .invalid(let message): .badRequest("a value was refused: \(message)")
        case .serializationFailure: .unavailable("busy", "too many concurrent changes to the same data; retry", retryAfterSeconds: 1)
        case .unavailable: .unavailable("database_unavailable", "the database cannot be reached just now; retry", retryAfterSeconds: 2)
        case .decoding, .other:
            HTTPError(status: 500, error: "server_error", description: "the request failed on the platform's side (database)")
        }
    }
}
