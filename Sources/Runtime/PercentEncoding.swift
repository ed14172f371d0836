/// RFC 3986 percent-encoding: only `A-Z a-z 0-9 - _ . ~` stay as they are (what AWS signs and
/// what query strings need).
public func percentEncoded<S: StringProtocol>(_ text: S) -> String {
    var output = ""
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            output.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let hex = String(byte, radix: 16, uppercase: true)
            output += "%" + (hex.count == 1 ? "0" + hex : hex)
        }
    }
    return output
}

/// An `application/x-www-form-urlencoded` body: RFC 3986 percent-encoding with spaces as `+`,
/// byte for byte what AWS's SDKs and OAuth clients send.
public func formURLEncoded(_ fields: [(String, String)]) -> String {
    func encode(_ text: String) -> String { percentEncoded(text).replacing("%20", with: "+") }
    return fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
}

/// The bytes behind `%XX` escapes (a malformed escape stays as it is); `+` is left alone.
public func percentDecoded<S: StringProtocol>(_ text: S) -> String {
    guard text.contains("%") else { return String(text) }
    var bytes: [UInt8] = []
    var iterator = Array(text.utf8).makeIterator()
    while let byte = iterator.next() {
        if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
           let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
            bytes.append(value)
        } else {
            bytes.append(byte)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}
