import Testing
@testable import Runtime

private struct AccessDenied: Error {}
private enum scan_failure: Error { case timeout }
private struct Wrapper<T>: Error {}

@Suite struct FunctionErrorTests {
    /// The header form the Lambda service and its emulator accept.
    func isValidErrorType(_ type: String) -> Bool {
        type.wholeMatch(of: /(Runtime|Function)\.[A-Z][a-zA-Z]+/) != nil
    }

    @Test func namesThrownErrorsAfterTheirType() {
        #expect(FunctionError(thrown: AccessDenied()).errorType == "Function.AccessDenied")
        #expect(FunctionError(thrown: Wrapper<Int>()).errorType == "Function.Wrapper")
    }

    @Test func everyNameFitsTheHeaderForm() {
        for error: any Error in [AccessDenied(), scan_failure.timeout, Wrapper<String>(), HTTPError.notFound("x")] {
            #expect(isValidErrorType(FunctionError(thrown: error).errorType))
            #expect(isValidErrorType(FunctionError(thrown: error, prefix: "Runtime").errorType))
        }
        #expect(isValidErrorType(FunctionError.invalidEvent("x").errorType))
        #expect(isValidErrorType(FunctionError.responseTooLarge(7_000_000).errorType))
    }
}
