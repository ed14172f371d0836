/// A statement to run: SQL with `$1…` placeholders and its parameters.
public struct Statement: Sendable {
    public let sql: String
    public let parameters: [(any PostgresEncodable)?]

    public init(_ sql: String, _ parameters: (any PostgresEncodable)?...) {
        self.sql = sql
        self.parameters = parameters
    }

    public init(_ sql: String, parameters: [(any PostgresEncodable)?]) {
        self.sql = sql
        self.parameters = parameters
    }

    /// Postgres text cannot hold NUL, and libpq would cut a value there (a different value, or a
    /// malformed array literal): such input is refused before anything is sent.
    static func checkSendable(_ statements: [Statement]) throws(DatabaseError) {
        for statement in statements where statement.parameters.contains(where: { $0?.postgresText?.utf8.contains(0) == true }) {
            throw .invalid("text cannot contain the NUL character (U+0000)")
        }
    }
}

/// The rows a statement returned (or the count it affected).
public struct QueryResult: Sendable {
    public let columns: [String]
    public let rows: [Row]
    /// Rows inserted, updated or deleted (or selected).
    public let affectedRows: Int

    /// The only row, or nil when there is none.
    public var first: Row? { rows.first }
}

/// One result row, read by column name: `let id: UUID = try row["id"]`.
public struct Row: Sendable {
    let columnIndex: [String: Int]
    let values: [String?]

    public subscript<T: PostgresDecodable>(_ column: String) -> T {
        get throws(DatabaseError) {
            guard let index = columnIndex[column] else { throw .decoding("no column \(column)") }
            guard let text = values[index] else { throw .decoding("column \(column) is NULL") }
            return try T(postgresText: text)
        }
    }

    public subscript<T: PostgresDecodable>(_ column: String) -> T? {
        get throws(DatabaseError) {
            guard let index = columnIndex[column] else { throw .decoding("no column \(column)") }
            guard let text = values[index] else { return nil }
            return try T(postgresText: text)
        }
    }

    public func isNull(_ column: String) -> Bool {
        guard let index = columnIndex[column] else { return true }
        return values[index] == nil
    }
}
