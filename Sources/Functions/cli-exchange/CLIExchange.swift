import Cloud
import Database
import Domain
import FoundationEssentials
import Runtime

/// `POST /api/auth/cli/exchange` `{"device_code", "verification_code", "proof"}` — the CLI trades
/// an approved device code and the code the user typed for a refresh token and an access token,
/// proving with `proof` (CLIClientKey) that it holds the private key whose public half the
/// approval stored. Public (anonymous session). Once only; five wrong codes or proofs kill the
/// device code.
struct CLIExchange: HTTPFunction {
    struct Exchange: Decodable {
        let device_code: String
        let verification_code: String
        let proof: String
    }

    enum Outcome: Sendable {
        case pending, used, denied, expired
        case wrongCode(attemptsLeft: Int)
        case started(user: UUID, session: UUID)
    }

    let router: Router

    init(context: InitContext) async throws {
        let database = try Database(environment: context.environment, applicationName: context.functionName)
        let credentials = try CLICredentials(verificationKeyHex: context.environment.required("VERIFICATION_CODE_KEY"))
        let keys = try PlatformSigningKeys(environment: context.environment)
        var router = Router()
        router.post("/api/auth/cli/exchange") { request, context in
            let exchange = try request.decodeBody(Exchange.self)
            guard let deviceCode = DeviceCode(exchange.device_code) else {
                throw HTTPError.oauth("invalid_request", "device_code must be the UUID the CLI made")
            }
            guard let code = VerificationCode(typed: exchange.verification_code) else {
                throw HTTPError.oauth("invalid_request", "verification_code must be the 6 characters shown in the browser")
            }
            let refreshToken = RefreshToken.generate()
            // The approval row stays locked from the check to the decision, so concurrent tries are counted one by one.
            let outcome: Outcome = try await database.anonymousSession().transaction { transaction in
                guard let device = try await transaction.query("SELECT * FROM private.cli_lock_device($1)", Bytes(CLICredentials.hash(deviceCode))).first else {
                    return .pending
                }
                switch try device["status"] as String {
                case "consumed": return .used
                case "denied": return .denied
                default: break
                }
                if try device["expired"] as Bool { return .expired }
                let id: UUID = try device["id"]
                let clientKey = (try device["client_public_key"] as Bytes?).flatMap { CLIClientKey(x963: $0.bytes) }
                guard credentials.matches((try device["verification_code_mac"] as Bytes).bytes, code, for: deviceCode),
                      clientKey?.isValidProof(exchange.proof, deviceCode: deviceCode, code: code) == true else {
                    let left: Int = try await transaction.query(
                        "SELECT private.cli_record_failed_attempt($1, $2) AS left", id, CLILoginPolicy.maximumFailedAttempts).first?["left"] ?? 0
                    return .wrongCode(attemptsLeft: left)
                }
                guard let session = try await transaction.query(
                    "SELECT * FROM private.cli_start_session($1, $2, $3, make_interval(secs => $4), make_interval(secs => $5))",
                    id, Bytes(credentials.mac(code, for: deviceCode)), Bytes(CLICredentials.hash(refreshToken)),
                    Int(CLILoginPolicy.idleLifetime.components.seconds), Int(CLILoginPolicy.absoluteLifetime.components.seconds)).first else {
                    return .used
                }
                return .started(user: try session["user_id"], session: try session["session_id"])
            }
            switch outcome {
            case .pending:
                throw HTTPError.oauth("authorization_pending", "the login has not been approved in the browser yet")
            case .used:
                throw HTTPError.oauth("invalid_grant", "this login was already completed: run the CLI login again")
            case .denied, .wrongCode(attemptsLeft: 0):
                throw HTTPError.oauth("access_denied", "too many wrong verification codes: run the CLI login again")
            case .expired:
                throw HTTPError.oauth("expired_token", "the verification code has expired: run the CLI login again")
            case .wrongCode(let left):
                // One answer for a wrong code and a wrong proof: a guesser learns nothing about either.
                throw HTTPError.oauth("invalid_grant", "wrong verification code: \(left) attempt\(left == 1 ? "" : "s") left")
            case .started(let user, let session):
                context.logger.info("cli session started", metadata: ["user": "\(user)", "session": "\(session)"])
                return try await TokenResponse.make(
                    keys: keys, user: user, session: session, refreshToken: refreshToken.value,
                    audience: CLILoginPolicy.accessTokenAudience, lifetime: CLILoginPolicy.accessTokenLifetime)
            }
        }
        self.router = router
    }
}
