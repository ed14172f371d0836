import CloudAccess
import Database
import FoundationEssentials
import Logging
import Runtime

/// `POST /api/cloud-identities/{id}/credentials` `{"purpose"?: "cli" | "provisioning"}` — a
/// workspace member gets one-hour credentials for a connected AWS account, in the JSON the AWS
/// CLI and SDKs read from a `credential_process` (Version 1), so a terminal or a Terraform runner
/// uses them as they are. The credentials pass through: audited, never stored, never logged.
///
/// For a GCP identity the same call answers the service account's one-hour access token
/// (`{"provider":"gcp","access_token","token_type","expires_at","service_account_email"}`), and
/// `GET /api/cloud-identities/{id}/token?audience=…` answers `{"value": "<federation JWT>"}`: the
/// shape Google's `external_account` `credential_source.url` reads (`subject_token_field_name:
/// "value"`), so a long Terraform run exchanges a fresh one by itself whenever its token lapses.
struct AssumeRole: HTTPFunction {
    struct Request: Decodable {
        let purpose: String?
    }

    /// https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-sourcing-external.html
    struct CredentialProcessOutput: Encodable {
        let Version = 1
        let AccessKeyId: String
        let SecretAccessKey: String
        let SessionToken: String?
        let Expiration: String
    }

    struct GCPToken: Encodable {
        let provider = "gcp"
        let access_token: String
        let token_type = "Bearer"
        let expires_at: String
        let service_account_email: String
    }

    struct AzureToken: Encodable {
        let provider = "azure"
        let access_token: String
        let token_type = "Bearer"
        let expires_at: String
        let resource = "https://management.azure.com/"
    }

    struct FederationTokenAnswer: Encodable {
        let value: String
    }

    let router: Router

    init(context: InitContext) async throws {
        let database = try Database(environment: context.environment, applicationName: context.functionName)
        let verifier = try await CallerVerifier(configuration: .init(environment: context.environment))
        let access = try AWSAccess(environment: context.environment)
        let gcp = try GCPAccess(environment: context.environment)
        let azure = try AzureAccess(environment: context.environment)

        var router = Router()
        router.post("/api/cloud-identities/{id}/credentials") { request, context in
            let caller = try await verifier.verify(request)
            guard let id = request.pathParameter("id").flatMap(UUID.init(uuidString:)) else {
                throw HTTPError.badRequest("the cloud identity id must be a UUID")
            }
            let requested = try request.bodyBytes().isEmpty ? nil : try request.decodeBody(Request.self).purpose
            // Scans assume roles themselves, as the system; a user asks for a terminal or a runner.
            guard let purpose = AWSAccess.Purpose(rawValue: requested ?? "cli"), purpose != .scan else {
                throw HTTPError.badRequest("purpose must be cli or provisioning")
            }

            let issued: AWSAccess.Issued
            do throws(AWSAccessRefusal) {
                issued = try await access.credentials(for: id, purpose: purpose, requester: .user(caller.userID), session: database.userSession(caller))
            } catch .notFound {
                // Not an AWS identity the caller sees: perhaps a GCP one (each looked up in its provider's scope).
                let token: GCPAccess.Issued
                do throws(GCPAccessRefusal) {
                    token = try await gcp.credentials(for: id, purpose: purpose.rawValue, requester: .user(caller.userID),
                                                      session: database.userSession(caller).scoped(toCloudProvider: "gcp"))
                } catch .notFound {
                    // Nor a GCP one: perhaps Azure.
                    let issued: AzureAccess.Issued
                    do throws(AzureAccessRefusal) {
                        issued = try await azure.credentials(for: id, purpose: purpose.rawValue, requester: .user(caller.userID),
                                                             session: database.userSession(caller).scoped(toCloudProvider: "azure"))
                    } catch {
                        throw Self.httpError(for: error, logger: context.logger, identity: id)
                    }
                    context.logger.info("azure access token issued", metadata: ["cloudIdentity": "\(id)", "purpose": "\(purpose.rawValue)"])
                    return try .json(AzureToken(access_token: issued.accessToken, expires_at: issued.expiration.formatted(.iso8601)),
                                     headers: ["cache-control": "no-store", "pragma": "no-cache"])
                } catch {
                    throw Self.httpError(for: error, logger: context.logger, identity: id)
                }
                context.logger.info("gcp access token issued", metadata: ["cloudIdentity": "\(id)", "purpose": "\(purpose.rawValue)"])
                return try .json(GCPToken(access_token: token.accessToken, expires_at: token.expiration.formatted(.iso8601),
                                          service_account_email: token.serviceAccountEmail),
                                 headers: ["cache-control": "no-store", "pragma": "no-cache"])
            } catch {
                throw Self.httpError(for: error, logger: context.logger, identity: id)
            }
            context.logger.info("aws credentials issued", metadata: [
                "cloudIdentity": "\(id)", "purpose": "\(purpose.rawValue)", "roleSessionName": "\(issued.sessionName)",
            ])
            return try .json(
                CredentialProcessOutput(
                    AccessKeyId: issued.credentials.accessKeyID, SecretAccessKey: issued.credentials.secretAccessKey,
                    SessionToken: issued.credentials.sessionToken, Expiration: issued.expiration.formatted(.iso8601)),
                headers: ["cache-control": "no-store", "pragma": "no-cache"])
        }
        router.get("/api/cloud-identities/{id}/token") { request, context in
            let caller = try await verifier.verify(request)
            guard let id = request.pathParameter("id").flatMap(UUID.init(uuidString:)) else {
                throw HTTPError.badRequest("the cloud identity id must be a UUID")
            }
            let token: String
            do throws(GCPAccessRefusal) {
                token = try await gcp.runnerToken(for: id, audience: request.query("audience"), requester: .user(caller.userID),
                                                  session: database.userSession(caller).scoped(toCloudProvider: "gcp"))
            } catch .notFound {
                do throws(AzureAccessRefusal) {
                    token = try await azure.runnerToken(for: id, audience: request.query("audience"), requester: .user(caller.userID),
                                                        session: database.userSession(caller).scoped(toCloudProvider: "azure"))
                } catch {
                    throw Self.httpError(for: error, logger: context.logger, identity: id)
                }
            } catch {
                throw Self.httpError(for: error, logger: context.logger, identity: id)
            }
            context.logger.info("federation token issued", metadata: ["cloudIdentity": "\(id)"])
            return try .json(FederationTokenAnswer(value: token), headers: ["cache-control": "no-store", "pragma": "no-cache"])
        }
        self.router = router
    }

    static func httpError(for refusal: AzureAccessRefusal, logger: Logger, identity: UUID) -> HTTPError {
        switch refusal {
        case .notFound: return httpError(for: GCPAccessRefusal.notFound, logger: logger, identity: identity)
        case .viewerOnly: return httpError(for: GCPAccessRefusal.viewerOnly, logger: logger, identity: identity)
        case .notActive(let status, let reason): return httpError(for: GCPAccessRefusal.notActive(status: status, reason: reason), logger: logger, identity: identity)
        case .wrongAudience(let expected): return httpError(for: GCPAccessRefusal.wrongAudience(expected: expected), logger: logger, identity: identity)
        case .accessLost(let reason):
            logger.warning("azure access lost; identity revoked", metadata: ["cloudIdentity": "\(identity)"])
            return HTTPError(status: 409, error: "access_lost", description: reason)
        case .entra(let error):
            logger.error("azure federation failed", metadata: ["cloudIdentity": "\(identity)", "azureError": "\(error.code)"])
            if case .unavailable = error { return HTTPError(status: 503, error: error.code, description: error.description) }
            return HTTPError(status: 502, error: error.code, description: error.description)
        case .signing(let error): return httpError(for: GCPAccessRefusal.signing(error), logger: logger, identity: identity)
        case .database(let error): return httpError(for: GCPAccessRefusal.database(error), logger: logger, identity: identity)
        }
    }

    static func httpError(for refusal: GCPAccessRefusal, logger: Logger, identity: UUID) -> HTTPError {
        switch refusal {
        case .notFound:
            return .notFound("no such cloud identity")
        case .viewerOnly:
            return .forbidden("viewers of a workspace do not get credentials; ask an admin for the member role")
        case .notActive(let status, let reason):
            return HTTPError(status: 409, error: "identity_not_active",
                             description: "the cloud identity is \(status)\(reason.map { " (\($0))" } ?? ""): connect it again")
        case .wrongAudience(let expected):
            return .badRequest("audience must be this identity's provider, \(expected)")
        case .accessLost(let reason):
            logger.warning("gcp access lost; identity revoked", metadata: ["cloudIdentity": "\(identity)"])
            return HTTPError(status: 409, error: "access_lost", description: reason)
        case .google(let error):
            logger.error("gcp federation failed", metadata: ["cloudIdentity": "\(identity)", "gcpError": "\(error.code)"])
            if case .unavailable = error { return HTTPError(status: 503, error: error.code, description: error.description) }
            return HTTPError(status: 502, error: error.code, description: error.description)
        case .signing(let error), .database(let error):
            if let error = error as? HTTPErrorConvertible, error.httpError.status < 500 { return error.httpError }
            logger.error("gcp credentials failed", metadata: ["cloudIdentity": "\(identity)", "error": "\(error)"])
            return HTTPError(status: 500, error: "server_error", description: "the request could not be completed")
        }
    }

    static func httpError(for refusal: AWSAccessRefusal, logger: Logger, identity: UUID) -> HTTPError {
        switch refusal {
        case .notFound:
            return .notFound("no such AWS cloud identity")
        case .viewerOnly:
            return .forbidden("viewers of a workspace do not get credentials; ask an admin for the member role")
        case .adminsOnly:
            return .forbidden("provisioning credentials are for the workspace's owners and admins")
        case .wrongPurpose(let reason):
            return HTTPError(status: 409, error: "wrong_purpose", description: reason)
        case .notActive(let status, let reason):
            return HTTPError(status: 409, error: "identity_not_active",
                             description: "the cloud identity is \(status)\(reason.map { " (\($0))" } ?? ""): connect the account again")
        case .accessLost(let reason):
            logger.warning("aws access lost; identity revoked", metadata: ["cloudIdentity": "\(identity)"])
            return HTTPError(status: 409, error: "access_lost", description: reason)
        case .aws(let error):
            logger.error("assume role failed", metadata: ["cloudIdentity": "\(identity)", "awsError": "\(error.code)"])
            return error.httpError
        case .database(let error):
            if let error = error as? HTTPErrorConvertible, error.httpError.status < 500 { return error.httpError }
            logger.error("database error", metadata: ["cloudIdentity": "\(identity)", "error": "\(error)"])
            return (error as? HTTPErrorConvertible)?.httpError
                ?? HTTPError(status: 500, error: "server_error", description: "the request could not be completed")
        }
    }
}
