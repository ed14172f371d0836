-- Who did what, when: every credential issuance (who, which identity, expiry), CLI logins and
-- revocations. Append-only for every role (a trigger refuses UPDATE, DELETE and TRUNCATE), and
-- without foreign keys so the trail outlives the users and workspaces it names.

CREATE TABLE public.audit_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organization_id uuid,
  user_id uuid,
  actor text NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
  action text NOT NULL CHECK (action ~ '^[a-z][a-z_.]{1,99}$'),
  cloud_identity_id uuid,
  details jsonb NOT NULL DEFAULT '{}',
  expires_at timestamptz,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  CHECK (organization_id IS NOT NULL OR user_id IS NOT NULL)
);
CREATE INDEX audit_events_organization_idx ON public.audit_events (organization_id, occurred_at DESC);
CREATE INDEX audit_events_user_idx ON public.audit_events (user_id, occurred_at DESC);

CREATE FUNCTION private.refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = '42501';
END
$$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON public.audit_events
  FOR EACH ROW EXECUTE FUNCTION private.refuse_audit_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON public.audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION private.refuse_audit_change();

ALTER TABLE public.audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.audit_events FORCE ROW LEVEL SECURITY;
REVOKE ALL ON public.audit_events FROM anon, authenticated, service_role;
GRANT SELECT, INSERT ON public.audit_events TO authenticated, service_role;
CREATE POLICY audit_events_select ON public.audit_events FOR SELECT TO authenticated
  USING (organization_id IN (SELECT private.member_organization_ids())
         OR (organization_id IS NULL AND user_id = (SELECT auth.uid())));
-- A user records only their own actions, in their own workspaces.
CREATE POLICY audit_events_insert ON public.audit_events FOR INSERT TO authenticated
  WITH CHECK (user_id = (SELECT auth.uid())
              AND (organization_id IS NULL OR organization_id IN (SELECT private.member_organization_ids())));
