import Database
import Domain
import FoundationEssentials
import Runtime
import WorkQueue

/// Terraform runs of a workspace (user sessions, row-level security):
///
/// - `POST /api/cloud-identities/{id}/runs` `{"command": "plan"|"apply"|"destroy", "stack"?,
///   "source": {"files": {"main.tf": "…"}} | {"archive": "<base64 of tar czf>"} |
///   {"git": {"provider", "repository", "ref"?, "path"?}},
///   "variables"?: {…}}` — a workspace owner or admin queues a run with a provisioner identity →
///   202 and the run. A Git source is cloned with the requester's own provider token.
/// - `GET /api/runs?organization_id=…` (newest first, keyset pages), `GET /api/runs/{id}`.
/// - `GET /api/runs/{id}/log?after=<seq>` — the log in chunks, credentials already redacted.
/// - `POST /api/runs/{id}/cancel` — a queued run never starts; a running one is interrupted
///   (SIGINT) by its runner.
///
/// Members and viewers read runs and logs; only owners and admins start or cancel them.
struct Runs: HTTPFunction {
    struct Submission: Decodable {
        struct Source: Decodable {
            let files: [String: String]?
            let archive: String?
            let git: Git?
        }
        struct Git: Decodable {
            let provider: String
            let repository: String
            let ref: String?
            let path: String?
        }
        let command: String
        let stack: String?
        let source: Source
        let variables: [String: AttributeValue]?
    }

    let router: Router

    init(context: InitContext) async throws {
        let database = try Database(environment: context.environment, applicationName: context.functionName)
        let verifier = try await CallerVerifier(configuration: .init(environment: context.environment))
        let queue = try WorkQueue.terraformRuns(environment: context.environment)

        var router = Router()
        router.post("/api/cloud-identities/{id}/runs") { request, context in
            let caller = try await verifier.verify(request)
            guard let identity = request.pathParameter("id").flatMap(UUID.init(uuidString:)) else {
                throw HTTPError.badRequest("the cloud identity id must be a UUID")
            }
            let submission = try request.decodeBody(Submission.self)
            guard let command = TerraformCommand(rawValue: submission.command) else {
                throw HTTPError.badRequest("command must be plan, apply or destroy")
            }
            guard let stack = submission.stack.map(TerraformStack.init) ?? TerraformStack.default else {
                throw HTTPError.badRequest("stack must be 1-64 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit")
            }
            let source: RunSource, files: RunSourceFiles?
            switch (submission.source.files, submission.source.archive, submission.source.git) {
            case (let uploaded?, nil, nil):
                do throws(RunSourceFiles.Problem) {
                    files = try RunSourceFiles(uploaded)
                } catch {
                    throw HTTPError.badRequest(error.description)
                }
                source = .files
            case (nil, let archive?, nil):
                files = try UploadedArchive.files(base64: archive)
                source = .archive
            case (nil, nil, let git?):
                guard let provider = GitProvider(rawValue: git.provider) else { throw HTTPError.badRequest("source.git.provider must be github, gitlab or bitbucket") }
                guard let repository = GitSource(provider: provider, repository: git.repository, ref: git.ref, path: git.path) else {
                    throw HTTPError.badRequest("source.git needs repository as owner/name, and ref and path of letters, digits, '.', '_', '-' and '/' (no '..', nothing starting with '-' or '.')")
                }
                source = .git(repository)
                files = nil
            default:
                throw HTTPError.badRequest("source must be one of {\"files\": {\"main.tf\": \"...\"}}, {\"archive\": \"<base64 of tar czf>\"} or {\"git\": {\"provider\", \"repository\", \"ref\", \"path\"}}")
            }
            let variables = try RunVariables(submission.variables ?? [:])

            let session = database.userSession(caller)
            guard let row = try await session.query("""
                SELECT organization_id, provider, purpose, status,
                       organization_id IN (SELECT private.admin_organization_ids()) AS admin
                FROM public.cloud_identities WHERE id = $1
                """, identity).first else {
                throw HTTPError.notFound("no such cloud identity")
            }
            guard try row["admin"] as Bool else {
                throw HTTPError.forbidden("only a workspace owner or admin can start a Terraform run")
            }
            guard try row["provider"] as String == "aws", try row["purpose"] as String == "provision" else {
                throw HTTPError(status: 409, error: "wrong_purpose", description: "runs use a provisioner identity: connect an AWS role with purpose provision (infra/customer-provisioner-role.yaml)")
            }
            let status: String = try row["status"]
            guard status == "active" else { throw HTTPError.conflict("the cloud identity is \(status): connect the account again first") }
            let workspace: UUID = try row["organization_id"]
            if let git = source.git {
                // The clone uses the requester's own token (row-level security: only theirs is visible).
                let stored = try await session.query("SELECT 1 AS stored FROM public.provider_tokens WHERE user_id = $1 AND provider = $2",
                                                     caller.userID, git.provider.rawValue)
                guard stored.first != nil else {
                    throw HTTPError(status: 409, error: "no_provider_token", description: "you have no \(git.provider.displayName) token with the platform: sign in with \(git.provider.displayName) (or POST /api/provider-tokens) first")
                }
            }

            let inserted = try await session.batch([
                Statement("""
                    INSERT INTO public.terraform_runs AS r (organization_id, cloud_identity_id, stack, command, source, source_files, variables, requested_by)
                    VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8)
                    RETURNING \(RunRecord.columns)
                    """, workspace, identity, stack.name, command.rawValue, try JSONText(encoding: source),
                    try files.map { try JSONText(encoding: $0.files) }, variables.json, caller.userID),
                Statement("""
                    INSERT INTO public.audit_events (organization_id, user_id, actor, action, cloud_identity_id, details)
                    VALUES ($1, $2, $3, 'terraform_run.requested', $4, jsonb_build_object('command', $5::text, 'stack', $6::text))
                    """, workspace, caller.userID, "user:\(caller.userID.uuidString.lowercased())", identity, command.rawValue, stack.name),
            ])
            let run = try RunRecord(try inserted[0].first.unwrap())
            try await queue.enqueue([run.id])
            context.logger.info("terraform run queued", metadata: ["run": "\(run.id)", "command": "\(command.rawValue)", "cloudIdentity": "\(identity)"])
            return try .json(run, status: 202)
        }

        router.get("/api/runs") { request, _ in
            let caller = try await verifier.verify(request)
            let workspace = try request.workspaceQuery()
            let limit = try request.pageLimit()
            let cursor = try request.uuidQuery("cursor")
            let rows = try await database.userSession(caller).query(inWorkspace: workspace, """
                SELECT \(RunRecord.columns) FROM public.terraform_runs r
                WHERE organization_id = $1 AND ($2::uuid IS NULL OR (queued_at, id) < (SELECT queued_at, id FROM public.terraform_runs WHERE id = $2))
                ORDER BY queued_at DESC, id DESC
                LIMIT $3
                """, workspace, cursor, limit + 1).rows
            let runs = try rows.prefix(limit).map(RunRecord.init)
            return try .json(RunPage(items: runs, next_cursor: rows.count > limit ? runs.last?.id : nil), headers: ["cache-control": "no-store"])
        }

        router.get("/api/runs/{id}") { request, _ in
            let caller = try await verifier.verify(request)
            let id = try Self.runID(request)
            guard let row = try await database.userSession(caller).query("SELECT \(RunRecord.columns) FROM public.terraform_runs r WHERE id = $1", id).first else {
                throw HTTPError.notFound("no such run")
            }
            return try .json(try RunRecord(row), headers: ["cache-control": "no-store"])
        }

        router.get("/api/runs/{id}/log") { request, _ in
            let caller = try await verifier.verify(request)
            let id = try Self.runID(request)
            let limit = try request.pageLimit(default: 100, maximum: 1000)
            var after = -1
            if let text = request.query("after") {
                guard let value = Int(text), value >= -1 else { throw HTTPError.badRequest("after must be the seq of the last chunk read (or -1)") }
                after = value
            }
            let results = try await database.userSession(caller).batch([
                Statement("SELECT status FROM public.terraform_runs WHERE id = $1", id),
                Statement("SELECT seq, text FROM public.terraform_run_logs WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3", id, after, limit + 1),
            ])
            guard let run = results[0].first else { throw HTTPError.notFound("no such run") }
            let chunks = try results[1].rows.prefix(limit).map { LogChunk(seq: try $0["seq"], text: try $0["text"]) }
            let status: String = try run["status"]
            let more = results[1].rows.count > limit
            return try .json(LogPage(
                chunks: chunks, next_after: chunks.last?.seq ?? after,
                // Nothing more will come: the run ended and this page reached the end.
                complete: !more && !["queued", "running"].contains(status)), headers: ["cache-control": "no-store"])
        }

        router.post("/api/runs/{id}/cancel") { request, context in
            let caller = try await verifier.verify(request)
            let id = try Self.runID(request)
            let session = database.userSession(caller)
            guard let row = try await session.query("""
                SELECT status, organization_id IN (SELECT private.admin_organization_ids()) AS admin FROM public.terraform_runs WHERE id = $1
                """, id).first else { throw HTTPError.notFound("no such run") }
            guard try row["admin"] as Bool else { throw HTTPError.forbidden("only a workspace owner or admin can cancel a run") }
            let results = try await session.batch([
                // Only the cancellation time is the caller's to set (column privilege); the runner
                // stops a running run, and a queued one is skipped when its event arrives.
                Statement("""
                    UPDATE public.terraform_runs SET cancel_requested_at = coalesce(cancel_requested_at, now())
                    WHERE id = $1 AND status IN ('queued', 'running') RETURNING 1 AS requested
                    """, id),
                Statement("SELECT private.cancel_queued_terraform_run($1) AS outcome", id),
                Statement("SELECT \(RunRecord.columns) FROM public.terraform_runs r WHERE id = $1", id),
            ])
            guard results[0].first != nil else {
                throw HTTPError.conflict("the run has already ended (\(try row["status"] as String))")
            }
            context.logger.info("terraform run cancellation requested", metadata: ["run": "\(id)"])
            return try .json(try RunRecord(try results[2].first.unwrap()), status: 202)
        }
        self.router = router
    }

    static func runID(_ request: APIGatewayV2Request) throws -> UUID {
        guard let id = request.pathParameter("id").flatMap(UUID.init(uuidString:)) else { throw HTTPError.badRequest("the run id must be a UUID") }
        return id
    }

    struct RunPage: Encodable {
        let items: [RunRecord]
        let next_cursor: UUID?
    }

    struct LogChunk: Encodable {
        let seq: Int
        let text: String
    }

    struct LogPage: Encodable {
        let chunks: [LogChunk]
        let next_after: Int
        let complete: Bool
    }
}

extension Optional {
    func unwrap() throws -> Wrapped {
        guard let self else { throw HTTPError(status: 500, error: "server_error", description: "the request could not be completed") }
        return self
    }
}
