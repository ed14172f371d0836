import Crypto
import FoundationEssentials
import Runtime

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`), checked against AWS's own test suite.
public struct SigV4Signer: Sendable {
    /// A request as it is signed: the path and query not yet percent-encoded (the signer encodes
    /// them the way AWS canonicalises), headers in order, the body's bytes.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var query: String
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public init(method: String, path: String, query: String = "", headers: [(name: String, value: String)], body: [UInt8] = []) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.body = body
        }

        public func header(_ name: String) -> String? { headers.last { $0.name.lowercased() == name.lowercased() }?.value }
    }

    public struct Signature: Sendable {
        public let canonicalRequest: String
        public let stringToSign: String
        public let authorization: String
    }

    let credentials: AWSCredentials
    let region: String
    let service: String

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Adds `X-Amz-Date`, `X-Amz-Security-Token` (for temporary credentials) and `Authorization`.
    public func sign(_ request: inout Request, at date: Date) {
        let stamp = Self.timestamp(date)
        request.headers.removeAll { ["x-amz-date", "authorization"].contains($0.name.lowercased()) }
        request.headers.append(("X-Amz-Date", stamp))
        if let token = credentials.sessionToken, request.header("x-amz-security-token") == nil {
            request.headers.append(("X-Amz-Security-Token", token))
        }
        request.headers.append(("Authorization", signature(for: request, timestamp: stamp).authorization))
    }

    /// The three steps of the algorithm, exposed so tests can compare each with AWS's suite.
    public func signature(for request: Request, timestamp: String) -> Signature {
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(request.headers.filter { $0.name.lowercased() != "authorization" })
        let canonicalRequest = [
            request.method.uppercased(),
            Self.canonicalPath(request.path, normalize: service != "s3"),
            Self.canonicalQuery(request.query),
            canonicalHeaders,
            signedHeaders,
            request.header("x-amz-content-sha256") ?? Self.hex(SHA256.hash(data: request.body)),
        ].joined(separator: "\n")
        let day = String(timestamp.prefix(8))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = ["AWS4-HMAC-SHA256", timestamp, scope, Self.hex(SHA256.hash(data: Array(canonicalRequest.utf8)))].joined(separator: "\n")

        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
        return Signature(
            canonicalRequest: canonicalRequest, stringToSign: stringToSign,
            authorization: "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)")
    }

    /// `20150830T123600Z`.
    public static func timestamp(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds.quotientAndRemainder(dividingBy: 86_400)
        var (year, month, day) = CivilCalendar.date(days: days.quotient)
        var secondOfDay = days.remainder
        if secondOfDay < 0 { secondOfDay += 86_400; (year, month, day) = CivilCalendar.date(days: days.quotient - 1) }
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))\(pad(month, 2))\(pad(day, 2))T\(pad(secondOfDay / 3600, 2))\(pad(secondOfDay / 60 % 60, 2))\(pad(secondOfDay % 60, 2))Z"
    }

    // MARK: Canonical forms

    /// Lowercased names, sorted; values trimmed with inner runs of spaces folded; repeated
    /// headers (and folded continuation lines) joined with commas in their order.
    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (String, String) {
        var values: [String: [String]] = [:]
        for header in headers {
            values[header.name.lowercased(), default: []].append(trimAll(header.value))
        }
        let names = values.keys.sorted()
        let lines = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
        return (lines, names.joined(separator: ";"))
    }

    static func trimAll(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }

    /// Dot segments and repeated slashes removed (except for S3, whose keys may hold them), each
    /// segment percent-encoded.
    public static func canonicalPath(_ path: String, normalize: Bool) -> String {
        guard normalize else { return path.split(separator: "/", omittingEmptySubsequences: false).map { encode($0) }.joined(separator: "/") }
        var segments: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        let trailingSlash = path.hasSuffix("/") && !segments.isEmpty
        return "/" + segments.map { encode($0) }.joined(separator: "/") + (trailingSlash ? "/" : "")
    }

    /// Parameters decoded, re-encoded the AWS way, sorted by name then value; `a` becomes `a=`.
    static func canonicalQuery(_ query: String) -> String {
        query.split(separator: "&", omittingEmptySubsequences: true)
            .map { pair -> (String, String) in
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                return (encode(percentDecoded(parts[0])), encode(parts.count > 1 ? percentDecoded(parts[1]) : ""))
            }
            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// RFC 3986 encoding, as AWS canonicalises.
    public static func encode<S: StringProtocol>(_ text: S) -> String { percentEncoded(text) }

    static func percentDecoded<S: StringProtocol>(_ text: S) -> String {
        var bytes: [UInt8] = []
        let source = Array(text.utf8)
        var index = 0
        while index < source.count {
            if source[index] == UInt8(ascii: "%"), index + 2 < source.count,
               let value = UInt8(String(decoding: source[(index + 1)...(index + 2)], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index += 3
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `x-amz-content-sha256`: the hex SHA-256 of a body, which S3 requires on every request.
    public static func payloadHash(_ body: [UInt8]) -> String { hex(SHA256.hash(data: body)) }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }
}
