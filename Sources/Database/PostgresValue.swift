import FoundationEssentials
import Runtime

/// A value sent as a statement parameter, in PostgreSQL's text format (nil is NULL).
public protocol PostgresEncodable: Sendable {
    var postgresText: String? { get }
}

/// A value read from a result column, from PostgreSQL's text format.
public protocol PostgresDecodable: Sendable {
    init(postgresText: String) throws(DatabaseError)
}

extension String: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { self }
    public init(postgresText: String) { self = postgresText }
}

extension Int: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public init(postgresText: String) throws(DatabaseError) {
        guard let value = Int(postgresText) else { throw .decoding("'\(postgresText)' is not an integer") }
        self = value
    }
}

extension Double: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public init(postgresText: String) throws(DatabaseError) {
        guard let value = Double(postgresText) else { throw .decoding("'\(postgresText)' is not a number") }
        self = value
    }
}

extension Bool: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { self ? "t" : "f" }
    public init(postgresText: String) throws(DatabaseError) {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw .decoding("'\(postgresText)' is not a boolean")
        }
    }
}

extension UUID: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { uuidString.lowercased() }
    public init(postgresText: String) throws(DatabaseError) {
        guard let value = UUID(uuidString: postgresText) else { throw .decoding("'\(postgresText)' is not a UUID") }
        self = value
    }
}

/// timestamptz. Connections use `TimeZone=UTC` and `DateStyle=ISO`, so values read as
/// `2026-11-24 14:00:00.123456+00`; parameters are sent as ISO 8601 with microseconds.
extension Date: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? {
        // Beyond Postgres's range (4713 BC … 294276 AD) only infinity is meaningful; converting
        // such a value to Int64 microseconds would trap instead.
        let microseconds = (timeIntervalSince1970 * 1_000_000).rounded()
        guard microseconds.isFinite, abs(microseconds) < 9.2e18 else { return microseconds > 0 ? "infinity" : "-infinity" }
        return Self.format(microseconds: Int64(microseconds))
    }

    public init(postgresText: String) throws(DatabaseError) {
        guard let value = Self.parse(postgresText) else { throw .decoding("'\(postgresText)' is not a timestamptz") }
        self = value
    }

    static func format(microseconds: Int64) -> String {
        var seconds = microseconds.quotientAndRemainder(dividingBy: 1_000_000)
        if seconds.remainder < 0 { seconds = (seconds.quotient - 1, seconds.remainder + 1_000_000) }
        let days = seconds.quotient.quotientAndRemainder(dividingBy: 86_400)
        var day = days.quotient, secondOfDay = days.remainder
        if secondOfDay < 0 { day -= 1; secondOfDay += 86_400 }
        let (year, month, dayOfMonth) = CivilCalendar.date(days: day)
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(dayOfMonth, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2)).\(pad(seconds.remainder, 6))Z"
    }

    static func parse(_ text: String) -> Date? {
        // yyyy-mm-dd hh:mm:ss[.ffffff]+hh[:mm]
        let bytes = Array(text.utf8)
        guard bytes.count >= 19 else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                guard index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 else { return nil }
                value = value * 10 + Int64(bytes[index] - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19) else { return nil }
        var index = 19
        var fraction: Double = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        var offsetSeconds: Int64 = 0
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign: Int64 = bytes[index] == UInt8(ascii: "-") ? -1 : 1
            guard let hours = number((index + 1)..<(index + 3)) else { return nil }
            var minutes: Int64 = 0
            if index + 5 < bytes.count + 1, index + 3 < bytes.count, bytes[index + 3] == UInt8(ascii: ":") {
                minutes = number((index + 4)..<(index + 6)) ?? 0
            }
            offsetSeconds = sign * (hours * 3600 + minutes * 60)
        } else if index < bytes.count, bytes[index] == UInt8(ascii: "Z") {
            offsetSeconds = 0
        }
        let days = CivilCalendar.days(year: year, month: month, day: day)
        let epochSeconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(epochSeconds) + fraction)
    }
}

/// bytea, in hex format (`\x0a1b…`).
public struct Bytes: PostgresEncodable, PostgresDecodable, Equatable, Hashable {
    public let bytes: [UInt8]
    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var postgresText: String? {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        text.reserveCapacity(2 + bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    public init(postgresText: String) throws(DatabaseError) {
        let text = Array(postgresText.utf8)
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"), text.count % 2 == 0 else {
            throw .decoding("bytea is not in hex format")
        }
        func nibble(_ c: UInt8) throws(DatabaseError) -> UInt8 {
            switch c {
            case 48...57: return c - 48
            case 97...102: return c - 87
            case 65...70: return c - 55
            default: throw .decoding("bytea has a non-hex digit")
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity((text.count - 2) / 2)
        var index = 2
        while index < text.count {
            bytes.append(try nibble(text[index]) << 4 | nibble(text[index + 1]))
            index += 2
        }
        self.bytes = bytes
    }
}

/// json / jsonb as its text; encode and decode `Codable` values with `JSONText(encoding:)` / `decode(_:)`.
public struct JSONText: PostgresEncodable, PostgresDecodable, Equatable {
    public let text: String
    public init(_ text: String) { self.text = text }
    public init<T: Encodable>(encoding value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        text = String(decoding: try encoder.encode(value), as: UTF8.self)
    }
    public var postgresText: String? { text }
    public init(postgresText: String) { text = postgresText }
    public func decode<T: Decodable>(_ type: T.Type) throws -> T { try JSONDecoder().decode(type, from: Data(text.utf8)) }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? { self?.postgresText }
}

/// One-dimensional arrays (`text[]`, `uuid[]`, ...), quoted element by element.
extension Array: PostgresEncodable where Element: PostgresEncodable {
    public var postgresText: String? {
        let elements = map { element -> String in
            guard let text = element.postgresText else { return "NULL" }
            let escaped = text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"")
            return "\"\(escaped)\""
        }
        return "{" + elements.joined(separator: ",") + "}"
    }
}

extension Array: PostgresDecodable where Element: PostgresDecodable {
    public init(postgresText: String) throws(DatabaseError) {
        var elements: [Element] = []
        for text in try parseArrayLiteral(postgresText) {
            guard let text else { throw .decoding("array holds NULL") }
            elements.append(try Element(postgresText: text))
        }
        self = elements
    }
}

/// Splits `{a,"b c",NULL}` into its elements (nil for NULL).
func parseArrayLiteral(_ literal: String) throws(DatabaseError) -> [String?] {
    let characters = Array(literal)
    guard characters.first == "{", characters.last == "}" else { throw .decoding("not an array literal") }
    var elements: [String?] = []
    var index = 1
    let end = characters.count - 1
    if index == end { return [] }
    while index <= end {
        var current = ""
        var quoted = false
        if characters[index] == "\"" {
            quoted = true
            index += 1
            while index < end, characters[index] != "\"" {
                if characters[index] == "\\" { index += 1 }
                current.append(characters[index])
                index += 1
            }
            index += 1
        } else {
            while index < end, characters[index] != "," {
                current.append(characters[index])
                index += 1
            }
        }
        elements.append(!quoted && current == "NULL" ? nil : current)
        index += 1  // the comma or the closing brace
    }
    return elements
}
