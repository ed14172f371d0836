import AWSTestSupport
import Foundation
import Runtime
import Testing
import Yams
@_spi(Privileged) import Database

/// Who may call what, route by route, through the gateway: every operation in infra/openapi.yaml
/// that takes a bearer token is in `routes` (a route added without a row fails here), and each is
/// called as anonymous, a user of another workspace, and a viewer, member, admin and owner of the
/// workspace it names. The rules are the README's "Roles in a workspace" table.
@Suite(.serialized) final class RouteAccessMatrixTests: @unchecked Sendable {
    let gateway: GatewayProcess
    let owner: Database
    let account: CustomerAccount

    init() throws {
        gateway = try GatewayProcess(template: try String(contentsOfFile: "infra/template.yaml", encoding: .utf8))
        owner = try Database(url: try #require(ProcessInfo.processInfo.environment["MIGRATION_DATABASE_URL"]), applicationName: "route-access-matrix")
        account = try CustomerAccount()
    }

    enum Caller: String, CaseIterable {
        case anonymous, outsider, viewer, member, admin, owner
        static let roles: [Caller] = [.viewer, .member, .admin, .owner]
    }

    /// A workspace with a connected AWS role, one user per role, a member other users act on, and
    /// a second role ready to be connected.
    struct Workspace: Sendable {
        let id: UUID
        let identity: UUID
        /// An active GCP identity (as connect leaves one), for the routes that act on GCP identities.
        let gcpIdentity: UUID
        /// An active provisioner identity (a role deployed from the template) and a running run of it.
        let provisionIdentity: UUID
        let run: UUID
        let spareRole: String
        let target: UUID
        /// A signed-up user who is not in the workspace, to be added.
        let newcomer: String
        let users: [Caller: (id: UUID, token: String)]
    }

    func workspace() async throws -> Workspace {
        let connected = try await ScanWorkspace(gateway: gateway, owner: owner, account: account)
        var users: [Caller: (id: UUID, token: String)] = [.owner: connected.admin]
        for caller in [Caller.viewer, .member, .admin] {
            let user = try await makeSignedInUser(owner: owner)
            try await join(user.id, connected.organization, caller.rawValue)
            users[caller] = user
        }
        let target = try await makeSignedInUser(owner: owner)
        try await join(target.id, connected.organization, "member")
        let outsider = try await makeSignedInUser(owner: owner)
        _ = try await makeWorkspace(owner: owner, member: outsider.id, role: "owner")
        users[.outsider] = outsider
        let newcomer = try await makeSignedInUser(owner: owner)
        let spareRole = try await account.role(for: connected.organization, policies: ["SecurityAudit"])
        let gcpIdentity = UUID()
        _ = try await owner.runAsConnectedRole([Statement("""
            INSERT INTO public.cloud_identities (id, organization_id, provider, gcp_project_number, gcp_pool_id, gcp_provider_id,
                                                 gcp_service_account_email, status, last_verified_at)
            VALUES ($1, $2, 'gcp', '123456789012', 'zcp-pool', 'zcp-provider', 'scanner@matrix-project.iam.gserviceaccount.com', 'active', now())
            """, gcpIdentity, connected.organization)])
        let provisionIdentity = UUID(), run = UUID()
        let provisioner = try await account.provisionerRole(externalID: try provisioningExternalID(of: connected.organization).value)
        _ = try await owner.runAsConnectedRole([
            Statement("""
                INSERT INTO public.cloud_identities (id, organization_id, provider, purpose, aws_role_arn, aws_account_id, status, last_verified_at)
                VALUES ($1, $2, 'aws', 'provision', $3, '123456789012', 'active', now())
                """, provisionIdentity, connected.organization, provisioner),
            Statement("""
                INSERT INTO public.terraform_runs (id, organization_id, cloud_identity_id, stack, command, source, status, started_at)
                VALUES ($1, $2, $3, 'default', 'plan', '{"kind":"files"}', 'running', now())
                """, run, connected.organization, provisionIdentity),
        ])
        return Workspace(id: connected.organization, identity: connected.identity, gcpIdentity: gcpIdentity, provisionIdentity: provisionIdentity, run: run,
                         spareRole: spareRole, target: target.id,
                         newcomer: "\(newcomer.id.uuidString.lowercased())@example.test", users: users)
    }

    func join(_ user: UUID, _ workspace: UUID, _ role: String) async throws {
        _ = try await owner.runAsConnectedRole([Statement(
            "INSERT INTO public.memberships (organization_id, user_id, role) VALUES ($1, $2, $3)", workspace, user, role)])
    }

    enum Scope: Sendable {
        /// The caller's own things (provider tokens, CLI logins, the list of their workspaces).
        case personal
        /// Names a workspace (path, query or body): reads for every role, writes for `allowed`.
        case workspace(allowed: Set<Caller>, changesState: Bool)
    }

    struct Route: Sendable {
        let key: String
        let scope: Scope
        let path: @Sendable (Workspace) -> String
        let body: @Sendable (Workspace) -> String?
    }

    static let everyone: Set<Caller> = [.viewer, .member, .admin, .owner]
    static let contributors: Set<Caller> = [.member, .admin, .owner]
    static let admins: Set<Caller> = [.admin, .owner]

    static func route(_ key: String, _ scope: Scope, _ path: @escaping @Sendable (Workspace) -> String,
                      body: @escaping @Sendable (Workspace) -> String? = { _ in nil }) -> Route {
        Route(key: key, scope: scope, path: path, body: body)
    }

    static let routes: [Route] = [
        route("POST /api/auth/cli/authorize", .personal, { _ in "/api/auth/cli/authorize" }, body: { _ in #"{"device_code":"\#(UUID())"}"# }),
        route("GET /api/auth/cli/sessions", .personal, { _ in "/api/auth/cli/sessions" }),
        route("DELETE /api/auth/cli/sessions/{id}", .personal, { _ in "/api/auth/cli/sessions/\(UUID())" }),
        route("GET /api/provider-tokens", .personal, { _ in "/api/provider-tokens" }),
        route("POST /api/provider-tokens", .personal, { _ in "/api/provider-tokens" }, body: { _ in "{}" }),
        route("GET /api/provider-tokens/{provider}", .personal, { _ in "/api/provider-tokens/github" }),
        route("DELETE /api/provider-tokens/{provider}", .personal, { _ in "/api/provider-tokens/github" }),
        route("GET /api/workspaces", .personal, { _ in "/api/workspaces" }),
        route("POST /api/workspaces", .personal, { _ in "/api/workspaces" }, body: { _ in #"{"name":"Matrix"}"# }),

        route("GET /api/aws/external-id", .workspace(allowed: everyone, changesState: false), { "/api/aws/external-id?organization_id=\($0.id)" }),
        route("GET /api/gcp/workload-identity", .workspace(allowed: everyone, changesState: false), {
            "/api/gcp/workload-identity?organization_id=\($0.id)&project_number=123456789012&pool_id=zcp-pool&provider_id=zcp-provider&service_account_email=scanner%40matrix-project.iam.gserviceaccount.com"
        }),
        route("GET /api/azure/federated-credential", .workspace(allowed: everyone, changesState: false), {
            "/api/azure/federated-credential?organization_id=\($0.id)&tenant_id=\(UUID())&client_id=\(UUID())&subscription_id=\(UUID())"
        }),
        route("GET /api/cloud-identities", .workspace(allowed: everyone, changesState: false), { "/api/cloud-identities?organization_id=\($0.id)" }),
        route("GET /api/cloud-identities/{id}", .workspace(allowed: everyone, changesState: false), { "/api/cloud-identities/\($0.identity)" }),
        route("GET /api/scans", .workspace(allowed: everyone, changesState: false), { "/api/scans?organization_id=\($0.id)" }),
        route("GET /api/findings", .workspace(allowed: everyone, changesState: false), { "/api/findings?organization_id=\($0.id)" }),
        route("GET /api/audit-events", .workspace(allowed: everyone, changesState: false), { "/api/audit-events?organization_id=\($0.id)" }),
        route("GET /api/workspaces/{id}/members", .workspace(allowed: everyone, changesState: false), { "/api/workspaces/\($0.id)/members" }),
        route("GET /api/runs", .workspace(allowed: everyone, changesState: false), { "/api/runs?organization_id=\($0.id)" }),
        route("GET /api/runs/{id}", .workspace(allowed: everyone, changesState: false), { "/api/runs/\($0.run)" }),
        route("GET /api/runs/{id}/log", .workspace(allowed: everyone, changesState: false), { "/api/runs/\($0.run)/log" }),

        route("POST /api/cloud-identities/{id}/credentials", .workspace(allowed: contributors, changesState: false), { "/api/cloud-identities/\($0.identity)/credentials" }),
        route("POST /api/cloud-identities/{id}/scans", .workspace(allowed: contributors, changesState: false), { "/api/cloud-identities/\($0.identity)/scans" }),
        route("GET /api/cloud-identities/{id}/token", .workspace(allowed: contributors, changesState: false), { "/api/cloud-identities/\($0.gcpIdentity)/token" }),

        route("POST /api/cloud-identities", .workspace(allowed: admins, changesState: true), { _ in "/api/cloud-identities" },
              body: { #"{"organization_id":"\#($0.id)","role_arn":"\#($0.spareRole)"}"# }),
        route("DELETE /api/cloud-identities/{id}", .workspace(allowed: admins, changesState: true), { "/api/cloud-identities/\($0.identity)" }),
        route("PATCH /api/workspaces/{id}", .workspace(allowed: admins, changesState: false), { "/api/workspaces/\($0.id)" }, body: { _ in #"{"name":"Renamed"}"# }),
        route("POST /api/workspaces/{id}/members", .workspace(allowed: admins, changesState: true), { "/api/workspaces/\($0.id)/members" },
              body: { #"{"email":"\#($0.newcomer)","role":"member"}"# }),
        route("PATCH /api/workspaces/{id}/members/{user_id}", .workspace(allowed: admins, changesState: false), { "/api/workspaces/\($0.id)/members/\($0.target)" },
              body: { _ in #"{"role":"viewer"}"# }),
        route("DELETE /api/workspaces/{id}/members/{user_id}", .workspace(allowed: admins, changesState: true), { "/api/workspaces/\($0.id)/members/\($0.target)" }),
        route("DELETE /api/workspaces/{id}", .workspace(allowed: [.owner], changesState: true), { "/api/workspaces/\($0.id)" }),
        // Provisioning acts in the customer's account with write access, and a state can hold its secrets: admins.
        route("POST /api/cloud-identities/{id}/runs", .workspace(allowed: admins, changesState: false), { "/api/cloud-identities/\($0.provisionIdentity)/runs" },
              body: { _ in #"{"command":"plan","source":{"files":{"main.tf":""}}}"# }),
        route("POST /api/runs/{id}/cancel", .workspace(allowed: admins, changesState: false), { "/api/runs/\($0.run)/cancel" }),
        route("GET /api/terraform/state/{workspace}/{stack}", .workspace(allowed: admins, changesState: false), { "/api/terraform/state/\($0.id)/matrix" }),
        route("POST /api/terraform/state/{workspace}/{stack}", .workspace(allowed: admins, changesState: false), { "/api/terraform/state/\($0.id)/matrix" },
              body: { _ in #"{"version":4}"# }),
        route("DELETE /api/terraform/state/{workspace}/{stack}", .workspace(allowed: admins, changesState: false), { "/api/terraform/state/\($0.id)/matrix" }),
        route("POST /api/terraform/state/{workspace}/{stack}/lock", .workspace(allowed: admins, changesState: false), { "/api/terraform/state/\($0.id)/matrix/lock" },
              body: { _ in #"{"ID":"matrix-lock"}"# }),
        route("DELETE /api/terraform/state/{workspace}/{stack}/lock", .workspace(allowed: admins, changesState: false), { "/api/terraform/state/\($0.id)/matrix/lock" },
              body: { _ in #"{"ID":"matrix-lock"}"# }),
    ]

    func call(_ route: Route, _ workspace: Workspace, as caller: Caller) throws -> (status: Int, json: [String: Any]) {
        let method = String(route.key.prefix { $0 != " " })
        let headers = workspace.users[caller].map { [(name: "Authorization", value: "Bearer \($0.token)")] } ?? []
        let response = try gateway.request(method, route.path(workspace), body: route.body(workspace), headers: headers)
        return (response.status, (try? jsonObject(response.body)) ?? [:])
    }

    @Test func everyRouteThatTakesABearerTokenIsInTheMatrix() throws {
        let document = try #require(try Yams.load(yaml: try String(contentsOfFile: "infra/openapi.yaml", encoding: .utf8)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let secured = Set(paths.flatMap { path, item in
            item.compactMap { method, operation -> String? in
                guard ["get", "post", "put", "patch", "delete"].contains(method) else { return nil }
                let security = (operation as? [String: Any])?["security"] as? [Any]
                return security?.isEmpty == true ? nil : "\(method.uppercased()) \(path)"
            }
        })
        let listed = Set(Self.routes.map(\.key))
        #expect(secured.subtracting(listed).isEmpty, "not in the matrix: \(secured.subtracting(listed).sorted())")
        #expect(listed.subtracting(secured).isEmpty, "in the matrix but not an authenticated route: \(listed.subtracting(secured).sorted())")
    }

    @Test func eachCallerGetsExactlyWhatTheirRoleAllows() async throws {
        let shared = try await workspace()
        for route in Self.routes {
            let anonymous = try call(route, shared, as: .anonymous)
            #expect(anonymous.status == 401, "\(route.key) anonymous: \(anonymous.status) \(anonymous.json)")
            #expect(anonymous.json["error"] is String, "\(route.key) anonymous: not the error shape")
            guard case let .workspace(allowed, changesState) = route.scope else { continue }

            // Someone else's workspace does not exist for them, and is left as it was.
            let outsider = try call(route, shared, as: .outsider)
            #expect(outsider.status == 404, "\(route.key) outsider: \(outsider.status) \(outsider.json)")
            #expect(outsider.json["error"] as? String == "not_found", "\(route.key) outsider: \(outsider.json)")

            for caller in Caller.roles where !allowed.contains(caller) {
                let denied = try call(route, shared, as: caller)
                #expect(denied.status == 403, "\(route.key) \(caller): \(denied.status) \(denied.json)")
                #expect(denied.json["error"] as? String == "forbidden", "\(route.key) \(caller): \(denied.json)")
            }
            for caller in Caller.roles where allowed.contains(caller) {
                // A call that changes what the others act on gets a workspace of its own.
                let target = changesState ? try await workspace() : shared
                let answer = try call(route, target, as: caller)
                #expect((200..<300).contains(answer.status), "\(route.key) \(caller): \(answer.status) \(answer.json)")
            }
        }
    }
}
