import Database
import Domain
import FoundationEssentials

/// The Terraform state of a workspace's stacks, and their locks: what the `http` backend serves
/// to a user's terminal and what the runner reads and writes around a run. Works through the
/// caller's session — a user's (row-level security: the workspace's admins only) or the system's.
/// States are sealed before they reach the database and opened after they leave it.
public struct TerraformStateStore: Sendable {
    let seal: TerraformStateSeal

    public init(seal: TerraformStateSeal) {
        self.seal = seal
    }

    /// Who holds a stack's lock: Terraform's LockInfo document, as the holder gave it.
    public struct Lock: Sendable, Equatable {
        public let id: String
        public let info: JSONText
    }

    public enum Change: Sendable, Equatable {
        case done
        /// Someone else holds the stack's lock.
        case locked(Lock)
    }

    /// The state, or nil when the stack has none yet.
    public func read(workspace: UUID, stack: TerraformStack, session: some DatabaseSession) async throws -> [UInt8]? {
        guard let row = try await session.query(
            "SELECT state_ciphertext, key_version FROM public.terraform_states WHERE organization_id = $1 AND stack = $2", workspace, stack.name).first,
              let sealed: Bytes = try row["state_ciphertext"], let version: Int = try row["key_version"] else { return nil }
        return try seal.open(sealed.bytes, version: version, workspace: workspace, stack: stack)
    }

    /// Replaces the state, unless the stack is locked by another lock than `lockID`.
    public func write(_ state: [UInt8], workspace: UUID, stack: TerraformStack, lockID: String?, by user: UUID?, session: some DatabaseSession) async throws -> Change {
        let written = try await session.query("""
            INSERT INTO public.terraform_states AS s (organization_id, stack, state_ciphertext, key_version, updated_by)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (organization_id, stack) DO UPDATE
            SET state_ciphertext = EXCLUDED.state_ciphertext, key_version = EXCLUDED.key_version, updated_by = EXCLUDED.updated_by, updated_at = now()
            WHERE s.lock_id IS NULL OR s.lock_id = $6
            RETURNING 1 AS written
            """, workspace, stack.name, Bytes(seal.seal(state, workspace: workspace, stack: stack)), seal.currentVersion, user, lockID)
        if written.first != nil { return .done }
        return try await currentLock(workspace: workspace, stack: stack, session: session).map(Change.locked) ?? .done
    }

    /// Forgets the state (`terraform workspace delete`), unless another lock holds the stack.
    public func delete(workspace: UUID, stack: TerraformStack, lockID: String?, session: some DatabaseSession) async throws -> Change {
        if let lock = try await currentLock(workspace: workspace, stack: stack, session: session), lock.id != lockID { return .locked(lock) }
        _ = try await session.query("DELETE FROM public.terraform_states WHERE organization_id = $1 AND stack = $2", workspace, stack.name)
        return .done
    }

    /// Takes the stack's lock for `id`. A lock left by a platform run that is no longer running
    /// (its runner died) is taken over; any other lock is reported.
    public func lock(workspace: UUID, stack: TerraformStack, id: String, info: JSONText, session: some DatabaseSession) async throws -> Change {
        let taken = try await session.query("""
            INSERT INTO public.terraform_states AS s (organization_id, stack, lock_id, lock_info, locked_at)
            VALUES ($1, $2, $3, $4::jsonb, now())
            ON CONFLICT (organization_id, stack) DO UPDATE
            SET lock_id = EXCLUDED.lock_id, lock_info = EXCLUDED.lock_info, locked_at = now()
            WHERE s.lock_id IS NULL OR s.lock_id = EXCLUDED.lock_id
               OR s.lock_id IN (SELECT r.id::text FROM public.terraform_runs r WHERE r.organization_id = $1 AND r.status <> 'running')
            RETURNING 1 AS taken
            """, workspace, stack.name, id, info)
        if taken.first != nil { return .done }
        return try await currentLock(workspace: workspace, stack: stack, session: session).map(Change.locked) ?? .done
    }

    /// Releases the stack's lock if `id` holds it (or whoever holds it, for a forced unlock
    /// without an id). Releasing a lock nobody holds is done.
    public func unlock(workspace: UUID, stack: TerraformStack, id: String?, session: some DatabaseSession) async throws -> Change {
        let released = try await session.query("""
            UPDATE public.terraform_states SET lock_id = NULL, lock_info = NULL, locked_at = NULL
            WHERE organization_id = $1 AND stack = $2 AND lock_id IS NOT NULL AND ($3::text IS NULL OR lock_id = $3)
            RETURNING 1 AS released
            """, workspace, stack.name, id)
        if released.first != nil { return .done }
        return try await currentLock(workspace: workspace, stack: stack, session: session).map(Change.locked) ?? .done
    }

    public func currentLock(workspace: UUID, stack: TerraformStack, session: some DatabaseSession) async throws -> Lock? {
        guard let row = try await session.query(
            "SELECT lock_id, lock_info FROM public.terraform_states WHERE organization_id = $1 AND stack = $2 AND lock_id IS NOT NULL",
            workspace, stack.name).first else { return nil }
        return Lock(id: try row["lock_id"], info: try row["lock_info"])
    }
}
