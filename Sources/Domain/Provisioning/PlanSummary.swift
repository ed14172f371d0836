import FoundationEssentials

/// What a plan would do, counted the way Terraform's "Plan: 1 to add, 0 to change, 0 to destroy"
/// does: from `terraform show -json <plan>`'s `resource_changes[].change.actions` (a replacement
/// counts as one add and one destroy; reads and no-ops count nothing).
public struct PlanSummary: Sendable, Equatable, Codable {
    public var add = 0
    public var change = 0
    public var destroy = 0

    public init(add: Int = 0, change: Int = 0, destroy: Int = 0) {
        self.add = add
        self.change = change
        self.destroy = destroy
    }

    public var hasChanges: Bool { add + change + destroy > 0 }

    private struct Plan: Decodable {
        struct ResourceChange: Decodable {
            struct Change: Decodable { let actions: [String] }
            let change: Change
        }
        let resource_changes: [ResourceChange]?
    }

    /// nil when the text is not a JSON plan.
    public init?(showJSON: [UInt8]) {
        guard let plan = try? JSONDecoder().decode(Plan.self, from: Data(showJSON)) else { return nil }
        for resource in plan.resource_changes ?? [] {
            let actions = resource.change.actions
            if actions.contains("create") { add += 1 }
            if actions.contains("delete") { destroy += 1 }
            if actions == ["update"] { change += 1 }
        }
    }
}
