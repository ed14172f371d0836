#if canImport(Glibc)
import Glibc
#endif
import CLibPQ

/// One libpq connection in pipeline mode, made at init and kept for the life of the process.
///
/// Every operation is a batch of statements sent together and answered together: one network
/// round trip for BEGIN, role, claims, the statements and COMMIT. Statements run often are
/// prepared once per connection (in the same round trip as their first use). Before each batch
/// the connection is checked: a server that restarted since the last use (it closed the socket)
/// is reconnected to before anything is sent, so no statement is ever sent twice.
actor Connection {
    private let url: String
    private let poolMode: PoolMode
    private let applicationName: String
    // Only touched inside the actor, and by deinit once nothing else can.
    nonisolated(unsafe) private var connection: OpaquePointer?
    private var prepared: [String: String] = [:]
    private var preparedCount = 0
    private var leased = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Network round trips so far (batches sent and answered), for the benchmark and tests.
    private(set) var roundTrips = 0

    init(url: String, applicationName: String) throws(DatabaseError) {
        (self.url, self.poolMode) = try PoolMode.parse(url)
        self.applicationName = applicationName
        self.connection = try Self.open(url: self.url, poolMode: poolMode, applicationName: applicationName)
    }

    deinit { if let connection { PQfinish(connection) } }

    // MARK: Exclusive use

    /// Statements of one transaction must not interleave with another caller's.
    func lease() async {
        if !leased {
            leased = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            leased = false
        } else {
            waiting.removeFirst().resume()
        }
    }

    // MARK: Batches

    /// Sends the statements as one pipeline and returns one result per statement. The first
    /// failing statement's error is thrown (the rest of the batch did not run), after rolling
    /// back the transaction it was in.
    func run(_ statements: [Statement], prepare wanted: Bool = true) throws(DatabaseError) -> [QueryResult] {
        try Statement.checkSendable(statements)
        // Behind a transaction pooler the next batch may meet another server connection, where
        // a name prepared here does not exist: every statement is sent unnamed (parsed each time).
        let prepare = wanted && poolMode == .session
        let connection = try healthyConnection()
        var expected: [Expected] = []
        var preparedHere: [String: String] = [:]
        for statement in statements {
            let values = statement.parameters.map { $0?.postgresText }
            let sent: Int32 = withCStrings(values) { pointers in
                if let name = prepared[statement.sql] ?? preparedHere[statement.sql] {
                    expected.append(.statement)
                    return PQsendQueryPrepared(connection, name, Int32(values.count), pointers, nil, nil, 0)
                }
                if prepare {
                    preparedCount += 1
                    let name = "p\(preparedCount)"
                    guard PQsendPrepare(connection, name, statement.sql, Int32(values.count), nil) == 1 else { return 0 }
                    preparedHere[statement.sql] = name
                    expected.append(.preparation(sql: statement.sql, name: name))
                    expected.append(.statement)
                    return PQsendQueryPrepared(connection, name, Int32(values.count), pointers, nil, nil, 0)
                }
                expected.append(.statement)
                return PQsendQueryParams(connection, statement.sql, Int32(values.count), nil, pointers, nil, nil, 0)
            }
            guard sent == 1 else { throw lost("could not send a statement") }
        }
        guard PQpipelineSync(connection) == 1, PQflush(connection) == 0 else { throw lost("could not send the batch") }
        roundTrips += 1

        var results: [QueryResult] = []
        var failure: DatabaseError?
        for item in expected {
            guard let result = PQgetResult(connection) else { throw lost("the server closed the connection") }
            defer { PQclear(result) }
            while let extra = PQgetResult(connection) { PQclear(extra) }  // each query's results end with NULL
            switch PQresultStatus(result) {
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK:
                if case .preparation(let sql, let name) = item { prepared[sql] = name }
                if case .statement = item { results.append(Self.read(result)) }
            case PGRES_PIPELINE_ABORTED:
                continue
            default:
                failure = failure ?? Self.error(of: result)
            }
        }
        // The batch ends with the sync point.
        guard let sync = PQgetResult(connection) else { throw lost("the server closed the connection") }
        let synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC
        PQclear(sync)
        guard synced else { throw lost("the batch was not acknowledged") }

        if let failure {
            // A failed statement leaves its transaction aborted: end it here, so the connection is clean.
            if PQtransactionStatus(connection) != PQTRANS_IDLE { try rollback(connection) }
            throw failure
        }
        return results
    }

    /// Runs a script of several statements (a migration) outside pipeline mode.
    func runScript(_ sql: String) throws(DatabaseError) {
        let connection = try healthyConnection()
        PQexitPipelineMode(connection)
        defer { PQenterPipelineMode(connection) }
        guard let result = PQexec(connection, sql) else { throw lost("the server closed the connection") }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY else {
            let error = Self.error(of: result)
            if PQtransactionStatus(connection) != PQTRANS_IDLE { _ = PQexec(connection, "ROLLBACK").map { PQclear($0) } }
            throw error
        }
    }

    // MARK: Connection health

    private func healthyConnection() throws(DatabaseError) -> OpaquePointer {
        if let connection, PQstatus(connection) == CONNECTION_OK, !closedByServer(connection) {
            return connection
        }
        return try reconnect()
    }

    /// An idle connection has nothing to read (no LISTEN is used): if its socket is readable,
    /// the server sent a goodbye (shutdown, restart, terminated backend) or closed it.
    private func closedByServer(_ connection: OpaquePointer) -> Bool {
        var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) != 0
    }

    private func reconnect() throws(DatabaseError) -> OpaquePointer {
        if let connection { PQfinish(connection) }
        connection = nil
        prepared.removeAll()
        let fresh = try Self.open(url: url, poolMode: poolMode, applicationName: applicationName)
        connection = fresh
        return fresh
    }

    private func lost(_ reason: String) -> DatabaseError {
        let detail = connection.map { String(cString: PQerrorMessage($0)) } ?? ""
        // Drop it: the next batch reconnects rather than reuse a connection in an unknown state.
        if let connection { PQfinish(connection) }
        connection = nil
        prepared.removeAll()
        return .unavailable("\(reason)\(detail.isEmpty ? "" : ": " + detail.trimmingCharacters())")
    }

    private func rollback(_ connection: OpaquePointer) throws(DatabaseError) {
        guard PQsendQueryParams(connection, "ROLLBACK", 0, nil, nil, nil, nil, 0) == 1, PQpipelineSync(connection) == 1 else {
            throw lost("could not roll back")
        }
        while true {
            guard let result = PQgetResult(connection) else {
                if PQstatus(connection) != CONNECTION_OK { throw lost("lost while rolling back") }
                continue
            }
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_PIPELINE_SYNC { break }
        }
    }

    private static func open(url: String, poolMode: PoolMode, applicationName: String) throws(DatabaseError) -> OpaquePointer {
        // GSSAPI encryption is off unless the URL asks for it: libpq's default (prefer) first
        // initialises Kerberos and asks the server, which cost ~10 ms of every cold start through
        // PgBouncer (which answers no). Keywords before `dbname` are overridden by the URL's own.
        var keywords = ["gssencmode", "dbname", "application_name", "connect_timeout"]
        var values = ["disable", url, applicationName, "5"]
        if poolMode == .session {
            keywords.append("options")
            values.append("-c TimeZone=UTC -c DateStyle=ISO,YMD -c extra_float_digits=3 -c client_min_messages=warning")
        }
        let connection: OpaquePointer? = withCStrings(keywords + [nil]) { keywordPointers in
            withCStrings(values + [nil]) { valuePointers in PQconnectdbParams(keywordPointers, valuePointers, 1) }
        }
        guard let connection else { throw .unavailable("out of memory") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection)).trimmingCharacters()
            PQfinish(connection)
            throw .unavailable(message)
        }
        guard PQenterPipelineMode(connection) == 1 else {
            PQfinish(connection)
            throw .unavailable("this libpq has no pipeline mode")
        }
        return connection
    }

    private enum Expected {
        case preparation(sql: String, name: String)
        case statement
    }

    private static func read(_ result: OpaquePointer) -> QueryResult {
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        let columnIndex = Dictionary(columns.enumerated().map { ($1, $0) }) { first, _ in first }
        let rowCount = Int(PQntuples(result))
        var rows: [Row] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            let values = (0..<columnCount).map { column -> String? in
                PQgetisnull(result, Int32(row), Int32(column)) == 1 ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
            }
            rows.append(Row(columnIndex: columnIndex, values: values))
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? rowCount
        return QueryResult(columns: columns, rows: rows, affectedRows: affected)
    }

    private static func error(of result: OpaquePointer) -> DatabaseError {
        func field(_ code: UInt8) -> String {
            PQresultErrorField(result, Int32(code)).map { String(cString: $0) } ?? ""
        }
        let state = field(UInt8(ascii: "C"))
        let message = field(UInt8(ascii: "M"))
        return DatabaseError.from(sqlState: state.isEmpty ? "XX000" : state, message: message.isEmpty ? String(cString: PQresultErrorMessage(result)) : message)
    }
}

/// C strings for libpq's `const char *const *` parameters (nil entries stay NULL).
func withCStrings<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let pointers = strings.map { $0.map { strdup($0) } ?? nil }
    defer { pointers.forEach { free($0) } }
    return pointers.map { UnsafePointer($0) }.withUnsafeBufferPointer { body($0.baseAddress!) }
}

extension String {
    func trimmingCharacters() -> String {
        var text = Substring(self)
        while let last = text.last, last.isWhitespace { text.removeLast() }
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        return String(text)
    }
}
