import AWSAPI
import Cloud
import FoundationEssentials
import Runtime

/// Hands queued work to the function that does it: scans to `run-scan`, Terraform runs to
/// `run-terraform`. On AWS through an SQS queue (one message per item, sent ten at a time);
/// without one, as asynchronous Lambda invokes of the function — which the local gateway serves.
/// An item sent twice is still done once: its worker claims it.
public struct WorkQueue: Sendable {
    enum Transport: Sendable {
        case sqs(queueURL: String, client: AWSQueryClient)
        case lambda(function: String, client: LambdaClient)
    }

    let transport: Transport
    /// The message's one field: `{"<key>": "<uuid>"}`.
    let key: String

    /// Scans: `SCAN_QUEUE_URL`, else invokes of `RUN_SCAN_FUNCTION` (`run-scan`); messages `{"scan_id"}`.
    public static func scans(environment: Environment) throws -> WorkQueue {
        try WorkQueue(environment: environment, queueURLVariable: "SCAN_QUEUE_URL", functionVariable: "RUN_SCAN_FUNCTION", function: "run-scan", key: "scan_id")
    }

    /// Terraform runs: `RUN_QUEUE_URL`, else invokes of `RUN_TERRAFORM_FUNCTION` (`run-terraform`); messages `{"run_id"}`.
    public static func terraformRuns(environment: Environment) throws -> WorkQueue {
        try WorkQueue(environment: environment, queueURLVariable: "RUN_QUEUE_URL", functionVariable: "RUN_TERRAFORM_FUNCTION", function: "run-terraform", key: "run_id")
    }

    init(environment: Environment, queueURLVariable: String, functionVariable: String, function: String, key: String) throws {
        let credentials = try AWSCredentials(environment: environment)
        let region = environment["AWS_REGION"] ?? "us-east-1"
        if let queueURL = environment[queueURLVariable] {
            transport = .sqs(queueURL: queueURL, client: AWSQueryClient(service: "sqs", version: "2012-11-05", region: region, credentials: credentials, environment: environment))
        } else {
            transport = .lambda(function: environment[functionVariable] ?? function,
                                client: LambdaClient(region: region, credentials: credentials, environment: environment))
        }
        self.key = key
    }

    public func enqueue(_ items: [UUID]) async throws(AWSError) {
        let messages = items.map { #"{"\#(key)":"\#($0.uuidString.lowercased())"}"# }
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
