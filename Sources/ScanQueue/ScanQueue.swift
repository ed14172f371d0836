import AWSAPI
import Cloud
import FoundationEssentials
import Runtime

/// Hands queued scans to `run-scan`: on AWS through the SQS queue `SCAN_QUEUE_URL` (one message
/// per scan, sent ten at a time); without it, as asynchronous Lambda invokes of
/// `RUN_SCAN_FUNCTION` — which the local gateway serves. A scan sent twice still runs once.
public struct ScanQueue: Sendable {
    enum Transport: Sendable {
        case sqs(queueURL: String, client: AWSQueryClient)
        case lambda(function: String, client: LambdaClient)
    }

    let transport: Transport

    public init(environment: Environment) throws {
        let credentials = try AWSCredentials(environment: environment)
        let region = environment["AWS_REGION"] ?? "us-east-1"
        if let queueURL = environment["SCAN_QUEUE_URL"] {
            transport = .sqs(queueURL: queueURL, client: AWSQueryClient(service: "sqs", version: "2012-11-05", region: region, credentials: credentials, environment: environment))
        } else {
            transport = .lambda(function: environment["RUN_SCAN_FUNCTION"] ?? "run-scan",
                                client: LambdaClient(region: region, credentials: credentials, environment: environment))
        }
    }

    public func enqueue(_ scans: [UUID]) async throws(AWSError) {
        let messages = scans.map { #"{"scan_id":"\#($0.uuidString.lowercased())"}"# }
        switch transport {
        case .sqs(let queueURL, let client):
            for start in stride(from: 0, to: messages.count, by: 10) {
                var parameters = [("QueueUrl", queueURL)]
                for (index, message) in messages[start..<min(start + 10, messages.count)].enumerated() {
                    parameters += [("SendMessageBatchRequestEntry.\(index + 1).Id", "m\(index)"), ("SendMessageBatchRequestEntry.\(index + 1).MessageBody", message)]
                }
                let answer = try await client.call("SendMessageBatch", parameters)
                if let failed = answer.first("BatchResultErrorEntry") {
                    throw AWSError(code: failed["Code"] ?? "SendMessageBatchFailed", message: failed["Message"] ?? "", httpStatus: 200)
                }
            }
        case .lambda(let function, let client):
            for message in messages {
                try await client.invokeAsynchronously(function: function, payload: Array(message.utf8))
            }
        }
    }
}
