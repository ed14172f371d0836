import Database
import Domain
import FoundationEssentials

/// Approving a CLI login for the signed-in user: a fresh verification code, stored as its MAC
/// bound to the device code, with the public key of the CLI that started the login (only it can
/// exchange the code), once per device code. Shared by the JSON route and the page.
struct DeviceApproval: Sendable {
    enum Outcome {
        case approved(VerificationCode, expiresAt: Date)
        case alreadyApproved
        /// Used, expired or refused.
        case unavailable
    }

    static let lifetimeSeconds = Int(CLILoginPolicy.codeLifetime.components.seconds)

    let database: Database
    let credentials: CLICredentials

    func callAsFunction(caller: VerifiedClaims, deviceCode: DeviceCode, clientKey: CLIClientKey, clientName: String?) async throws -> Outcome {
        let code = VerificationCode.generate()
        let row = try await database.userSession(caller).query(
            "SELECT outcome, expires_at FROM private.cli_approve_device($1, $2, $3, $4, make_interval(secs => $5))",
            Bytes(CLICredentials.hash(deviceCode)), Bytes(credentials.mac(code, for: deviceCode)), clientName, Bytes(clientKey.x963),
            Self.lifetimeSeconds).first
        switch try row?["outcome"] as String? {
        case "approved": return .approved(code, expiresAt: try row!["expires_at"])
        case "already_approved": return .alreadyApproved
        default: return .unavailable
        }
    }
}
