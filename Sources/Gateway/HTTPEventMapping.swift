import Foundation
import HTTPTypes
import Hummingbird
import Runtime

/// Turns an HTTP request into an API Gateway payload 2.0 event, and a function's answer back
/// into an HTTP response, as API Gateway's HTTP API does.
enum HTTPEventMapping {
    static func event(for request: Request, body: [UInt8], match: RouteTable.Match, requestID: String) -> APIGatewayV2Request {
        var headers: [String: String] = [:]
        var cookies: [String] = []
        for field in request.headers {
            let name = field.name.canonicalName
            if name == "cookie" {
                cookies += field.value.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            } else {
                headers[name] = headers[name].map { "\($0),\(field.value)" } ?? field.value
            }
        }
        let rawQuery = request.uri.query ?? ""
        var query: [String: String] = [:]
        for pair in rawQuery.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = formDecoded(parts[0])
            let value = parts.count > 1 ? formDecoded(parts[1]) : ""
            query[name] = query[name].map { "\($0),\(value)" } ?? value
        }
        let isText = isTextual(headers["content-type"])
        let now = Date()
        let context = APIGatewayV2Request.RequestContext(
            http: .init(method: request.method.rawValue, path: request.uri.path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: headers["user-agent"]),
            requestId: requestID, routeKey: match.route.routeKey, accountId: "000000000000", apiId: "local",
            domainName: headers["host"].map { String($0.split(separator: ":")[0]) }, stage: "$default",
            time: accessLogTime(now), timeEpoch: Int64(now.timeIntervalSince1970 * 1000))
        return APIGatewayV2Request(
            routeKey: match.route.routeKey, rawPath: request.uri.path, rawQueryString: rawQuery, headers: headers,
            queryStringParameters: query.isEmpty ? nil : query,
            pathParameters: match.pathParameters.isEmpty ? nil : match.pathParameters,
            cookies: cookies.isEmpty ? nil : cookies, requestContext: context,
            body: body.isEmpty ? nil : (isText ? String(decoding: body, as: UTF8.self) : Data(body).base64EncodedString()),
            isBase64Encoded: !body.isEmpty && !isText)
    }

    /// A payload 2.0 answer: an object with `statusCode` is a full response; anything else is a
    /// 200 JSON body, as API Gateway infers.
    static func response(fromFunctionOutput output: [UInt8]) -> Response {
        if let answer = try? JSONDecoder().decode(APIGatewayV2Response.self, from: Data(output)) {
            var headers = HTTPFields()
            for (name, value) in answer.headers ?? [:] {
                if let name = HTTPField.Name(name) { headers[name] = value }
            }
            for cookie in answer.cookies ?? [] { headers.append(HTTPField(name: .setCookie, value: cookie)) }
            let body: [UInt8]
            if answer.isBase64Encoded == true, let decoded = answer.body.flatMap({ Data(base64Encoded: $0) }) {
                body = Array(decoded)
            } else {
                body = Array((answer.body ?? "").utf8)
            }
            return Response(status: .init(code: answer.statusCode), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        return json(.ok, output)
    }

    static func json(_ status: HTTPResponse.Status, _ body: [UInt8]) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func message(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(status, Array(#"{"message":\#(jsonString(message))}"#.utf8))
    }

    /// The platform's error shape for what the gateway itself answers on an HTTP route (no route,
    /// too large, a function that failed, crashed or timed out), as the functions answer theirs.
    static func error(_ status: HTTPResponse.Status, _ error: String, _ description: String) -> Response {
        json(status, Array(#"{"error":\#(jsonString(error)),"error_description":\#(jsonString(description))}"#.utf8))
    }

    private static func isTextual(_ contentType: String?) -> Bool {
        guard let type = contentType?.lowercased() else { return true }
        return type.hasPrefix("text/") || type.contains("json") || type.contains("xml") || type.contains("x-www-form-urlencoded") || type.contains("javascript")
    }

    private static func formDecoded(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    private static func accessLogTime(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "dd/MMM/yyyy:HH:mm:ss Z"
        return formatter.string(from: date)
    }
}
