import Database
import Domain
import FoundationEssentials
import Runtime

/// `POST /api/auth/cli/authorize` `{"device_code", "public_key", "client_name"?}` — the signed-in
/// browser user approves the device code from the CLI's login URL (with the CLI's public key from
/// the same URL) and is shown the verification code to type into the CLI. A device code is approved once: approving it again shows no second code. The
/// same approval as a page: `GET / POST /cli/login` (`CLILoginPage`).
struct CLIAuthorize: HTTPFunction {
    struct Approval: Decodable {
        let device_code: String
        let public_key: String
        let client_name: String?
    }

    struct Approved: Encodable {
        let verification_code: String
        let expires_at: Date
        let expires_in: Int
    }

    let router: Router

    init(context: InitContext) async throws {
        let database = try Database(environment: context.environment, applicationName: context.functionName)
        let verifier = try await CallerVerifier(configuration: .init(environment: context.environment))
        let credentials = try CLICredentials(verificationKeyHex: context.environment.required("VERIFICATION_CODE_KEY"))
        let approve = DeviceApproval(database: database, credentials: credentials)
        var router = Router()
        router.post("/api/auth/cli/authorize") { request, context in
            let caller = try await verifier.verify(request)
            let approval = try request.decodeBody(Approval.self)
            guard let deviceCode = DeviceCode(approval.device_code) else {
                throw HTTPError.badRequest("device_code must be the UUID from the CLI's login link")
            }
            guard let clientKey = CLIClientKey(base64URL: approval.public_key) else {
                throw HTTPError.badRequest("public_key must be the CLI's P-256 public key from its login link (base64url, X9.63)")
            }
            guard (approval.client_name?.count ?? 0) <= 200 else { throw HTTPError.badRequest("client_name is longer than 200 characters") }
            switch try await approve(caller: caller, deviceCode: deviceCode, clientKey: clientKey, clientName: approval.client_name) {
            case .approved(let code, let expiresAt):
                context.logger.info("cli login approved", metadata: ["user": "\(caller.userID)"])
                return try .json(Approved(verification_code: code.displayed, expires_at: expiresAt, expires_in: DeviceApproval.lifetimeSeconds),
                                 status: 201, headers: ["cache-control": "no-store"])
            case .alreadyApproved:
                throw HTTPError.conflict("this login is already approved: type the code shown then into the CLI, or start a new login")
            case .unavailable:
                throw HTTPError(status: 410, error: "expired_token", description: "this login link was used or has expired: run the CLI login again")
            }
        }
        CLILoginPage.add(to: &router, verifier: verifier, credentials: credentials, approval: approve, environment: context.environment)
        self.router = router
    }
}
