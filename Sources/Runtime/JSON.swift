import FoundationEssentials

enum JSON {
    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every time an answer carries is ISO 8601 (never Foundation's seconds since 2001).
        encoder.dateEncodingStrategy = .iso8601
        return Array(try encoder.encode(value))
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }
}

func encodeJSON(_ error: FunctionError) -> [UInt8] {
    // Three strings always encode; the fallback only keeps the compiler honest.
    (try? JSON.encode(error)) ?? Array(#"{"errorMessage":"unencodable error","errorType":"Runtime.Unknown","stackTrace":[]}"#.utf8)
}
