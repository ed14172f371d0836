import Foundation

/// Where `swift build` put the executables (`make test` passes PLATFORM_BIN_DIR).
let binDirectory: String = {
    if let directory = ProcessInfo.processInfo.environment["PLATFORM_BIN_DIR"] { return directory }
    return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
}()

struct CommandResult {
    let status: Int32
    let standardOutput: String
    let standardError: String
}

/// Runs a built executable to completion.
func runExecutable(_ name: String, arguments: [String] = [], standardInput: String? = nil, environment: [String: String] = [:],
                   removing: Set<String> = []) throws -> CommandResult {
    try runProgram(URL(fileURLWithPath: binDirectory).appendingPathComponent(name).path, arguments: arguments, standardInput: standardInput,
                   environment: environment, removing: removing)
}

/// Runs a program to completion, with the test's environment less `removing` plus `environment`.
func runProgram(_ path: String, arguments: [String] = [], standardInput: String? = nil, environment: [String: String] = [:], removing: Set<String> = []) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.filter { $0.key != "AWS_LAMBDA_RUNTIME_API" && !removing.contains($0.key) }.merging(environment) { $1 }
    let output = Pipe(), errors = Pipe(), input = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = input
    try process.run()
    if let standardInput { input.fileHandleForWriting.write(Data(standardInput.utf8)) }
    try input.fileHandleForWriting.close()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self), standardError: String(decoding: errorData, as: UTF8.self))
}

func jsonObject(_ text: String) throws -> [String: Any] {
    guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
        throw CocoaError(.coderReadCorrupt)
    }
    return object
}

func jsonObject(_ bytes: [UInt8]) throws -> [String: Any] { try jsonObject(String(decoding: bytes, as: UTF8.self)) }
