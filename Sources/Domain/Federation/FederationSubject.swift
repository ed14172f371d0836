import Crypto
import FoundationEssentials

/// Who the platform says it is when it federates into a customer's GCP or Azure: the `sub` of its
/// federation token, `org:<workspace uuid>:identity:<identity uuid>`. Immutable ids, never names
/// (a renamed or re-created workspace cannot inherit a trust), lowercase, 86 bytes: within GCP's
/// 127-byte limit on `google.subject` and Azure's 600 characters. The customer's side pins this
/// exact string (Azure's federated credential matches it exactly; GCP's attribute condition
/// compares it), so one platform-wide issuer cannot be used by another workspace or identity.
public struct FederationSubject: Sendable, Equatable, CustomStringConvertible {
    public let workspace: UUID
    public let identity: UUID

    public init(workspace: UUID, identity: UUID) {
        self.workspace = workspace
        self.identity = identity
    }

    public var value: String { "org:\(workspace.uuidString.lowercased()):identity:\(identity.uuidString.lowercased())" }
    public var description: String { value }

    /// A cloud identity's id before it exists, from what names it: the subject the customer must
    /// trust is known when they are shown the onboarding answer, and connecting later creates the
    /// identity under that same id. SHA-256 of the workspace and the provider's own names, shaped
    /// as an RFC 9562 version 8 UUID.
    public static func identityID(workspace: UUID, provider: String, names: [String]) -> UUID {
        let text = (["cloud-identity:v1", workspace.uuidString.lowercased(), provider] + names).joined(separator: "\n")
        var bytes = Array(SHA256.hash(data: Array(text.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x80  // version 8
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 9562 variant
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
