/// What a run does: `plan` only shows; `apply` plans and applies exactly that plan; `destroy`
/// plans the destruction and applies it.
public enum TerraformCommand: String, Sendable, CaseIterable, Codable {
    case plan, apply, destroy

    /// Whether the run changes the account (and so takes the stack's lock for its whole length).
    public var changesInfrastructure: Bool { self != .plan }
}
