import Database
import Domain
import FoundationEssentials
import Runtime

/// Workspaces and their members, through the caller's session (row-level security and the
/// locked rules of `private.*_workspace_member*`), every change audited:
///
/// - `POST /api/workspaces {"name"}` (the caller becomes owner), `GET /api/workspaces` (the
///   caller's, with their role), `PATCH /api/workspaces/{id} {"name"}` (admins),
///   `DELETE /api/workspaces/{id}` (owners: every connected identity is revoked first).
/// - `GET /api/workspaces/{id}/members`, `POST … {"email","role"}` (admins; only owners add
///   owners), `PATCH …/{user_id} {"role"}`, `DELETE …/{user_id}` (admins, or a member leaving;
///   never the last owner).
struct Workspaces: HTTPFunction {
    struct Naming: Decodable {
        let name: String
    }

    struct Invitation: Decodable {
        let email: String
        let role: String?
    }

    struct RoleChange: Decodable {
        let role: String
    }

    struct Workspace: Encodable {
        let id: UUID
        let name: String
        let role: String
        let created_at: Date
    }

    struct Member: Encodable {
        let user_id: UUID
        let email: String?
        let role: String
        let added_at: Date
    }

    struct Listing<Item: Encodable>: Encodable {
        let items: [Item]
    }

    static let roles: Set<String> = ["owner", "admin", "member", "viewer"]

    let router: Router

    init(context: InitContext) async throws {
        let database = try Database(environment: context.environment, applicationName: context.functionName)
        let verifier = try await CallerVerifier(configuration: .init(environment: context.environment))

        var router = Router()
        router.post("/api/workspaces") { request, _ in
            let caller = try await verifier.verify(request)
            let name = try Self.name(request.decodeBody(Naming.self).name)
            let results = try await database.userSession(caller).transaction { transaction in
                let id: UUID = try await transaction.query("SELECT public.create_organization($1) AS id", name).first!["id"]
                _ = try await transaction.query("""
                    INSERT INTO public.audit_events (organization_id, user_id, actor, action, details)
                    VALUES ($1, $2, $3, 'workspace.created', jsonb_build_object('name', $4::text))
                    """, id, caller.userID, "user:\(caller.userID.uuidString.lowercased())", name)
                return try await transaction.query(Self.workspaceSelect + " WHERE o.id = $1", id).rows
            }
            return try .json(try Self.workspace(results[0]), status: 201)
        }

        router.get("/api/workspaces") { request, _ in
            let caller = try await verifier.verify(request)
            let rows = try await database.userSession(caller).query(Self.workspaceSelect + " ORDER BY o.created_at, o.id").rows
            return try .json(Listing(items: try rows.map(Self.workspace)), headers: ["cache-control": "no-store"])
        }

        router.on("PATCH", "/api/workspaces/{id}") { request, _ in
            let caller = try await verifier.verify(request)
            let id = try Self.id(request, "id")
            let name = try Self.name(request.decodeBody(Naming.self).name)
            let session = database.userSession(caller)
            // RLS lets only admins update; a member learns they may not, a stranger learns nothing.
            let updated = try await session.batch([
                Statement("UPDATE public.organizations SET name = $2 WHERE id = $1 RETURNING id", id, name),
                Statement(Self.workspaceSelect + " WHERE o.id = $1", id),
            ])
            guard let row = updated[1].first else { throw HTTPError.notFound("no such workspace") }
            guard updated[0].first != nil else { throw HTTPError.forbidden("only a workspace owner or admin can rename it") }
            _ = try await session.query("""
                INSERT INTO public.audit_events (organization_id, user_id, actor, action, details)
                VALUES ($1, $2, $3, 'workspace.renamed', jsonb_build_object('name', $4::text))
                """, id, caller.userID, "user:\(caller.userID.uuidString.lowercased())", name)
            return try .json(try Self.workspace(row))
        }

        router.delete("/api/workspaces/{id}") { request, _ in
            let caller = try await verifier.verify(request)
            let id = try Self.id(request, "id")
            let outcome: String? = try await database.userSession(caller).query("SELECT private.delete_workspace($1) AS outcome", id).first?["outcome"]
            switch outcome {
            case "deleted": return .noContent()
            case "forbidden": throw HTTPError.forbidden("only a workspace owner can delete it")
            default: throw HTTPError.notFound("no such workspace")
            }
        }

        router.get("/api/workspaces/{id}/members") { request, _ in
            let caller = try await verifier.verify(request)
            let id = try Self.id(request, "id")
            let rows = try await database.userSession(caller).query(
                "SELECT user_id, email, role, added_at FROM private.workspace_members($1)", id).rows
            guard !rows.isEmpty else { throw HTTPError.notFound("no such workspace") }
            return try .json(Listing(items: try rows.map(Self.member)), headers: ["cache-control": "no-store"])
        }

        router.post("/api/workspaces/{id}/members") { request, _ in
            let caller = try await verifier.verify(request)
            let id = try Self.id(request, "id")
            let invitation = try request.decodeBody(Invitation.self)
            guard let email = EmailAddress(invitation.email) else { throw HTTPError.badRequest("email must be an email address such as ada@example.com") }
            let role = try Self.role(invitation.role ?? "member")
            let session = database.userSession(caller)
            guard let row = try await session.query(
                "SELECT outcome, user_id FROM private.add_workspace_member($1, $2, $3)", id, email.normalized, role).first else {
                throw HTTPError.notFound("no such workspace")
            }
            let added: UUID? = try row["user_id"]
            switch try row["outcome"] as String {
            case "added":
                let member = try await session.query("SELECT user_id, email, role, added_at FROM private.workspace_members($1) WHERE user_id = $2", id, added)
                return try .json(try Self.member(member.first!), status: 201)
            case "forbidden": throw HTTPError.forbidden(role == "owner" ? "only an owner can add an owner" : "only a workspace owner or admin can add members")
            case "no_such_user": throw HTTPError(status: 422, error: "no_such_user", description: "no user has signed up with \(email.value); they must sign in once first")
            case "already_member": throw HTTPError.conflict("that user is already a member; change their role instead")
            default: throw HTTPError.notFound("no such workspace")
            }
        }

        router.on("PATCH", "/api/workspaces/{id}/members/{user_id}") { request, _ in
            let caller = try await verifier.verify(request)
            let id = try Self.id(request, "id"), member = try Self.id(request, "user_id")
            let role = try Self.role(request.decodeBody(RoleChange.self).role)
            let session = database.userSession(caller)
            let outcome: String? = try await session.query("SELECT private.change_workspace_member_role($1, $2, $3) AS outcome", id, member, role).first?["outcome"]
            switch outcome {
            case "changed", "unchanged":
                let row = try await session.query("SELECT user_id, email, role, added_at FROM private.workspace_members($1) WHERE user_id = $2", id, member)
                return try .json(try Self.member(row.first!))
            case "forbidden": throw HTTPError.forbidden("only owners make or change owners, and only owners and admins change roles")
            case "last_owner": throw HTTPError.conflict("the workspace's last owner cannot be demoted: make another member owner first")
            default: throw HTTPError.notFound("no such workspace or member")
            }
        }

        router.delete("/api/workspaces/{id}/members/{user_id}") { request, _ in
            let caller = try await verifier.verify(request)
            let id = try Self.id(request, "id"), member = try Self.id(request, "user_id")
            let outcome: String? = try await database.userSession(caller).query("SELECT private.remove_workspace_member($1, $2) AS outcome", id, member).first?["outcome"]
            switch outcome {
            case "removed": return .noContent()
            case "forbidden": throw HTTPError.forbidden("only owners remove owners, and only owners and admins remove others (anyone may leave)")
            case "last_owner": throw HTTPError.conflict("the workspace's last owner cannot leave or be removed: make another member owner first, or delete the workspace")
            default: throw HTTPError.notFound("no such workspace or member")
            }
        }
        self.router = router
    }

    static let workspaceSelect = """
        SELECT o.id, o.name, o.created_at, m.role FROM public.organizations o
        JOIN public.memberships m ON m.organization_id = o.id AND m.user_id = (SELECT auth.uid())
        """

    static func workspace(_ row: Row) throws -> Workspace {
        Workspace(id: try row["id"], name: try row["name"], role: try row["role"], created_at: try row["created_at"])
    }

    static func member(_ row: Row) throws -> Member {
        Member(user_id: try row["user_id"], email: try row["email"], role: try row["role"], added_at: try row["added_at"])
    }

    static func id(_ request: APIGatewayV2Request, _ name: String) throws -> UUID {
        guard let id = request.pathParameter(name).flatMap(UUID.init(uuidString:)) else { throw HTTPError.badRequest("\(name) must be a UUID") }
        return id
    }

    static func name(_ text: String) throws -> String {
        let name = String(String(text.drop(while: \.isWhitespace).reversed()).drop(while: \.isWhitespace).reversed())
        guard (1...200).contains(name.unicodeScalars.count) else { throw HTTPError.badRequest("name must be 1 to 200 characters") }
        return name
    }

    static func role(_ text: String) throws -> String {
        guard roles.contains(text) else { throw HTTPError.badRequest("role must be one of owner, admin, member, viewer") }
        return text
    }
}
