-- Workspaces and their members, managed by users through the `workspaces` function. The rules
-- users expect live here, in functions that lock what they decide on, so two requests cannot
-- race past them: only owners make or unmake owners, the last owner can neither leave nor be
-- demoted, admins manage everyone else, a member may leave. Every change is audited.
--
-- Roles: owner (everything, including deleting the workspace), admin (connect / revoke clouds,
-- manage members, rename), member (scans, credentials), viewer (reads only: no credentials, no
-- scans, no changes).

-- Members who may act (not viewers): credentials and scans.
CREATE FUNCTION private.contributor_organization_ids() RETURNS SETOF uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN QUERY SELECT organization_id FROM public.memberships WHERE user_id = auth.uid() AND role IN ('owner', 'admin', 'member');
END
$$;
ALTER FUNCTION private.contributor_organization_ids() OWNER TO service_role;
REVOKE ALL ON FUNCTION private.contributor_organization_ids() FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION private.contributor_organization_ids() TO authenticated, service_role;

-- A viewer cannot queue scans.
DROP POLICY scans_insert ON public.scans;
CREATE POLICY scans_insert ON public.scans FOR INSERT TO authenticated
  WITH CHECK (organization_id IN (SELECT private.contributor_organization_ids())
              AND trigger = 'user' AND status = 'queued' AND requested_by = (SELECT auth.uid()));

-- The members with their email addresses (auth.users is not readable by users), for members.
CREATE FUNCTION private.workspace_members(workspace uuid)
RETURNS TABLE (user_id uuid, email text, role text, added_at timestamptz)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF workspace NOT IN (SELECT private.member_organization_ids()) THEN
    RETURN;
  END IF;
  RETURN QUERY
    SELECT m.user_id, u.email::text, m.role, m.created_at FROM public.memberships m JOIN auth.users u ON u.id = m.user_id
    WHERE m.organization_id = workspace ORDER BY m.created_at, m.user_id;
END
$$;

-- 'added', 'not_found' (no workspace the caller administers), 'forbidden' (only owners add
-- owners), 'no_such_user', 'already_member'.
CREATE FUNCTION private.add_workspace_member(workspace uuid, member_email text, new_role text) RETURNS TABLE (outcome text, user_id uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  caller uuid := auth.uid();
  caller_role text;
  added uuid;
BEGIN
  SELECT m.role INTO caller_role FROM public.memberships m WHERE m.organization_id = workspace AND m.user_id = caller;
  IF caller_role IS NULL OR caller_role NOT IN ('owner', 'admin') THEN
    RETURN QUERY SELECT CASE WHEN caller_role IS NULL THEN 'not_found' ELSE 'forbidden' END, NULL::uuid; RETURN;
  END IF;
  IF new_role = 'owner' AND caller_role <> 'owner' THEN
    RETURN QUERY SELECT 'forbidden'::text, NULL::uuid; RETURN;
  END IF;
  SELECT u.id INTO added FROM auth.users u WHERE lower(u.email) = lower(member_email) ORDER BY u.created_at LIMIT 1;
  IF added IS NULL THEN
    RETURN QUERY SELECT 'no_such_user'::text, NULL::uuid; RETURN;
  END IF;
  INSERT INTO public.memberships (organization_id, user_id, role) VALUES (workspace, added, new_role) ON CONFLICT DO NOTHING;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'already_member'::text, added; RETURN;
  END IF;
  INSERT INTO public.audit_events (organization_id, user_id, actor, action, details)
  VALUES (workspace, caller, 'user:' || caller, 'workspace.member_added', jsonb_build_object('member', added, 'role', new_role));
  RETURN QUERY SELECT 'added'::text, added;
END
$$;

-- 'changed', 'unchanged', 'not_found', 'forbidden' (admins cannot touch owners or make them),
-- 'last_owner' (the workspace would have no owner).
CREATE FUNCTION private.change_workspace_member_role(workspace uuid, member uuid, new_role text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  caller uuid := auth.uid();
  caller_role text;
  old_role text;
BEGIN
  -- The owners first, locked: concurrent demotions are decided one after the other.
  PERFORM 1 FROM public.memberships m WHERE m.organization_id = workspace AND m.role = 'owner' FOR UPDATE;
  SELECT m.role INTO caller_role FROM public.memberships m WHERE m.organization_id = workspace AND m.user_id = caller;
  IF caller_role IS NULL THEN RETURN 'not_found'; END IF;
  IF caller_role NOT IN ('owner', 'admin') THEN RETURN 'forbidden'; END IF;
  SELECT m.role INTO old_role FROM public.memberships m WHERE m.organization_id = workspace AND m.user_id = member FOR UPDATE;
  IF old_role IS NULL THEN RETURN 'not_found'; END IF;
  IF old_role = new_role THEN RETURN 'unchanged'; END IF;
  IF (old_role = 'owner' OR new_role = 'owner') AND caller_role <> 'owner' THEN RETURN 'forbidden'; END IF;
  IF old_role = 'owner' AND (SELECT count(*) FROM public.memberships m WHERE m.organization_id = workspace AND m.role = 'owner') = 1 THEN
    RETURN 'last_owner';
  END IF;
  UPDATE public.memberships m SET role = new_role WHERE m.organization_id = workspace AND m.user_id = member;
  INSERT INTO public.audit_events (organization_id, user_id, actor, action, details)
  VALUES (workspace, caller, 'user:' || caller, 'workspace.member_role_changed', jsonb_build_object('member', member, 'from', old_role, 'to', new_role));
  RETURN 'changed';
END
$$;

-- 'removed', 'not_found', 'forbidden' (only admins remove others; only owners remove owners),
-- 'last_owner'. Anyone may leave, but for the last owner.
CREATE FUNCTION private.remove_workspace_member(workspace uuid, member uuid) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  caller uuid := auth.uid();
  caller_role text;
  old_role text;
BEGIN
  PERFORM 1 FROM public.memberships m WHERE m.organization_id = workspace AND m.role = 'owner' FOR UPDATE;
  SELECT m.role INTO caller_role FROM public.memberships m WHERE m.organization_id = workspace AND m.user_id = caller;
  IF caller_role IS NULL THEN RETURN 'not_found'; END IF;
  SELECT m.role INTO old_role FROM public.memberships m WHERE m.organization_id = workspace AND m.user_id = member FOR UPDATE;
  IF old_role IS NULL THEN RETURN 'not_found'; END IF;
  IF member <> caller AND (caller_role NOT IN ('owner', 'admin') OR (old_role = 'owner' AND caller_role <> 'owner')) THEN
    RETURN 'forbidden';
  END IF;
  IF old_role = 'owner' AND (SELECT count(*) FROM public.memberships m WHERE m.organization_id = workspace AND m.role = 'owner') = 1 THEN
    RETURN 'last_owner';
  END IF;
  DELETE FROM public.memberships m WHERE m.organization_id = workspace AND m.user_id = member;
  INSERT INTO public.audit_events (organization_id, user_id, actor, action, details)
  VALUES (workspace, caller, 'user:' || caller, CASE WHEN member = caller THEN 'workspace.member_left' ELSE 'workspace.member_removed' END,
          jsonb_build_object('member', member, 'role', old_role));
  RETURN 'removed';
END
$$;

-- Deleting a workspace (owners): every connected identity is revoked first (its access data
-- removed, its scans cancelled, each audited), then the workspace and everything in it goes.
-- The audit trail stays (append-only), readable by no user once the workspace is gone.
CREATE FUNCTION private.delete_workspace(workspace uuid) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  caller uuid := auth.uid();
  caller_role text;
  identity uuid;
BEGIN
  SELECT m.role INTO caller_role FROM public.memberships m WHERE m.organization_id = workspace AND m.user_id = caller;
  IF caller_role IS NULL THEN RETURN 'not_found'; END IF;
  IF caller_role <> 'owner' THEN RETURN 'forbidden'; END IF;
  PERFORM 1 FROM public.organizations o WHERE o.id = workspace FOR UPDATE;
  FOR identity IN SELECT c.id FROM public.cloud_identities c WHERE c.organization_id = workspace LOOP
    PERFORM private.revoke_cloud_identity(identity, 'the workspace was deleted');
  END LOOP;
  INSERT INTO public.audit_events (organization_id, user_id, actor, action, details)
  VALUES (workspace, caller, 'user:' || caller, 'workspace.deleted', '{}');
  DELETE FROM public.organizations o WHERE o.id = workspace;
  RETURN 'deleted';
END
$$;

ALTER FUNCTION private.workspace_members(uuid) OWNER TO service_role;
ALTER FUNCTION private.add_workspace_member(uuid, text, text) OWNER TO service_role;
ALTER FUNCTION private.change_workspace_member_role(uuid, uuid, text) OWNER TO service_role;
ALTER FUNCTION private.remove_workspace_member(uuid, uuid) OWNER TO service_role;
ALTER FUNCTION private.delete_workspace(uuid) OWNER TO service_role;
REVOKE ALL ON FUNCTION private.workspace_members(uuid), private.add_workspace_member(uuid, text, text),
  private.change_workspace_member_role(uuid, uuid, text), private.remove_workspace_member(uuid, uuid), private.delete_workspace(uuid)
  FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION private.workspace_members(uuid), private.add_workspace_member(uuid, text, text),
  private.change_workspace_member_role(uuid, uuid, text), private.remove_workspace_member(uuid, uuid), private.delete_workspace(uuid)
  TO authenticated;
