import FoundationEssentials

/// Terraform states at rest: AES-256-GCM under versioned keys (`TERRAFORM_STATE_KEYS`, the same
/// `version:hexkey,…` form as the provider token keys, but keys of their own), with the workspace
/// and stack as associated data — a state copied into another workspace's or stack's row does
/// not open. A state can hold the secrets of what it describes (database passwords, keys).
public struct TerraformStateSeal: Sendable {
    let keyring: ProviderTokenKeyring

    public init(configuration: String) throws(ProviderTokenKeyring.Failure) {
        keyring = try ProviderTokenKeyring(configuration: configuration)
    }

    public var currentVersion: Int { keyring.currentVersion }

    public func seal(_ state: [UInt8], workspace: UUID, stack: TerraformStack) -> [UInt8] {
        keyring.seal(bytes: state, context: Self.context(workspace, stack))
    }

    public func open(_ ciphertext: [UInt8], version: Int, workspace: UUID, stack: TerraformStack) throws(ProviderTokenKeyring.Failure) -> [UInt8] {
        try keyring.open(bytes: ciphertext, version: version, context: Self.context(workspace, stack))
    }

    static func context(_ workspace: UUID, _ stack: TerraformStack) -> [UInt8] {
        Array("zcp-terraform-state:v1:\(workspace.uuidString.lowercased()):\(stack.name)".utf8)
    }
}
