import FoundationEssentials
import Logging

/// Names the one field of a worker's messages (`scan_id`, `run_id`).
public protocol WorkItemKind: Sendable {
    static var key: String { get }
}

/// A worker's event: one item directly (`{"<key>": "<uuid>"}`, the local gateway's asynchronous
/// invoke) or an SQS batch of such messages. Each item is handed to the work once; the report
/// says how each went and, for SQS, which messages failed, so only those come back.
public struct WorkBatch<Kind: WorkItemKind>: Decodable, Sendable {
    struct Record: Decodable, Sendable {
        let messageId: String
        let body: String
    }

    let item: UUID?
    let records: [Record]

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        item = try container.decodeIfPresent(UUID.self, forKey: Key(stringValue: Kind.key))
        records = try container.decodeIfPresent([Record].self, forKey: Key(stringValue: "Records")) ?? []
    }

    /// How one item went: `outcome` (`finished`, `skipped`, …) and the item's status after it.
    public struct Result: Encodable, Sendable {
        public let id: UUID
        public let outcome: String
        public let status: String?

        public init(id: UUID, outcome: String, status: String?) {
            self.id = id
            self.outcome = outcome
            self.status = status
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(id, forKey: Key(stringValue: Kind.key))
            try container.encode(outcome, forKey: Key(stringValue: "outcome"))
            try container.encode(status, forKey: Key(stringValue: "status"))
        }
    }

    public struct Report: Encodable, Sendable {
        public struct Failure: Encodable, Sendable { let itemIdentifier: String }
        public let results: [Result]
        public let batchItemFailures: [Failure]
    }

    /// A direct item's failure fails the invocation; a batch message's is reported, the rest go on.
    public func process(logger: Logger, _ work: (UUID) async throws -> Result) async throws -> Report {
        if let item { return Report(results: [try await work(item)], batchItemFailures: []) }
        var results: [Result] = [], failures: [Report.Failure] = []
        for record in records {
            do {
                let message = try JSONDecoder().decode(Self.self, from: Data(record.body.utf8))
                guard let item = message.item else { throw DecodingError.valueNotFound(UUID.self, .init(codingPath: [], debugDescription: "no \(Kind.key)")) }
                results.append(try await work(item))
            } catch {
                logger.error("queued message failed", metadata: ["messageId": "\(record.messageId)", "error": "\(error)"])
                failures.append(.init(itemIdentifier: record.messageId))
            }
        }
        return Report(results: results, batchItemFailures: failures)
    }
}
