/// An error as the Runtime API receives it: `{"errorMessage","errorType","stackTrace"}`, with
/// `errorType` in the `Function.Name` / `Runtime.Name` form that the
/// `Lambda-Runtime-Function-Error-Type` header requires (`(Runtime|Function)\.[A-Z][a-zA-Z]+`).
public struct FunctionError: Error, Codable, Sendable, Equatable {
    public let errorMessage: String
    public let errorType: String
    public let stackTrace: [String]

    public init(errorType: String, errorMessage: String) {
        self.errorType = errorType
        self.errorMessage = errorMessage
        self.stackTrace = []
    }

    /// A payload that is not the handler's `Event` type: the caller's mistake, not a crash.
    public static func invalidEvent(_ message: String) -> FunctionError {
        FunctionError(errorType: "Runtime.InvalidEvent", errorMessage: message)
    }

    /// Lambda refuses synchronous responses over 6 MiB; refusing here gives the caller the reason.
    public static let maximumResponseBytes = 6 * 1024 * 1024

    public static func responseTooLarge(_ bytes: Int) -> FunctionError {
        FunctionError(
            errorType: "Function.ResponseSizeTooLarge",
            errorMessage: "response is \(bytes) bytes; the limit is \(maximumResponseBytes) bytes (6 MiB)")
    }

    /// Names a thrown Swift error after its type: `Function.DecodingError`, `Function.AccessDenied`.
    public init(thrown error: any Error, prefix: String = "Function") {
        if let error = error as? FunctionError {
            self = error
            return
        }
        self.init(errorType: "\(prefix).\(Self.typeName(of: error))", errorMessage: String(describing: error))
    }

    static func typeName(of error: any Error) -> String {
        var name = String(reflecting: type(of: error))
        if let generic = name.firstIndex(of: "<") { name = String(name[..<generic]) }
        let last = name.split(separator: ".").last.map(String.init) ?? ""
        let letters = last.filter { $0.isASCII && $0.isLetter }
        guard let first = letters.first else { return "Error" }
        return first.uppercased() + letters.dropFirst()
    }
}
