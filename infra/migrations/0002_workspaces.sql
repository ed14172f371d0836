-- Workspaces (organizations) and who belongs to them. Every workspace table's policies ask
-- "is the caller a member?" through the helpers below. They are SECURITY DEFINER (owned by
-- service_role, which bypasses RLS) so reading memberships inside a memberships policy does not
-- recurse, and policies call them as `(SELECT private.…())` so Postgres evaluates them once per
-- statement (an initPlan), the way Supabase recommends for auth.uid(). They are PL/pgSQL, not
-- SQL: a SECURITY DEFINER SQL function is never inlined and re-plans its query on every call,
-- while PL/pgSQL keeps the plan for the connection's life (measured: it halved the RLS cost).

CREATE SCHEMA IF NOT EXISTS private;
REVOKE ALL ON SCHEMA private FROM PUBLIC;
GRANT USAGE ON SCHEMA private TO authenticated, service_role;

CREATE TABLE public.organizations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  created_by uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE public.memberships (
  organization_id uuid NOT NULL REFERENCES public.organizations (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  role text NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX memberships_user_id_idx ON public.memberships (user_id);

CREATE FUNCTION private.member_organization_ids() RETURNS SETOF uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN QUERY SELECT organization_id FROM public.memberships WHERE user_id = auth.uid();
END
$$;

CREATE FUNCTION private.admin_organization_ids() RETURNS SETOF uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN QUERY SELECT organization_id FROM public.memberships WHERE user_id = auth.uid() AND role IN ('owner', 'admin');
END
$$;

CREATE FUNCTION private.owner_organization_ids() RETURNS SETOF uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  RETURN QUERY SELECT organization_id FROM public.memberships WHERE user_id = auth.uid() AND role = 'owner';
END
$$;

-- A workspace is created with its creator as owner, atomically; a plain INSERT could not
-- return the row (the creator is not a member until the membership exists).
CREATE FUNCTION public.create_organization(organization_name text) RETURNS uuid
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  new_id uuid;
BEGIN
  IF auth.uid() IS NULL THEN
    RAISE EXCEPTION 'sign in to create a workspace' USING ERRCODE = '42501';
  END IF;
  INSERT INTO public.organizations (name, created_by) VALUES (organization_name, auth.uid()) RETURNING id INTO new_id;
  INSERT INTO public.memberships (organization_id, user_id, role) VALUES (new_id, auth.uid(), 'owner');
  RETURN new_id;
END
$$;

ALTER FUNCTION private.member_organization_ids() OWNER TO service_role;
ALTER FUNCTION private.admin_organization_ids() OWNER TO service_role;
ALTER FUNCTION private.owner_organization_ids() OWNER TO service_role;
ALTER FUNCTION public.create_organization(text) OWNER TO service_role;
REVOKE ALL ON FUNCTION private.member_organization_ids(), private.admin_organization_ids(), private.owner_organization_ids(),
  public.create_organization(text) FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION private.member_organization_ids(), private.admin_organization_ids(), private.owner_organization_ids()
  TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.create_organization(text) TO authenticated;

ALTER TABLE public.organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.organizations FORCE ROW LEVEL SECURITY;
REVOKE ALL ON public.organizations FROM anon, authenticated;
GRANT SELECT, UPDATE, DELETE ON public.organizations TO authenticated;
GRANT ALL ON public.organizations TO service_role;
CREATE POLICY organizations_select ON public.organizations FOR SELECT TO authenticated
  USING (id IN (SELECT private.member_organization_ids()));
CREATE POLICY organizations_update ON public.organizations FOR UPDATE TO authenticated
  USING (id IN (SELECT private.admin_organization_ids())) WITH CHECK (id IN (SELECT private.admin_organization_ids()));
CREATE POLICY organizations_delete ON public.organizations FOR DELETE TO authenticated
  USING (id IN (SELECT private.owner_organization_ids()));

ALTER TABLE public.memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.memberships FORCE ROW LEVEL SECURITY;
REVOKE ALL ON public.memberships FROM anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.memberships TO authenticated;
GRANT ALL ON public.memberships TO service_role;
CREATE POLICY memberships_select ON public.memberships FOR SELECT TO authenticated
  USING (organization_id IN (SELECT private.member_organization_ids()));
CREATE POLICY memberships_insert ON public.memberships FOR INSERT TO authenticated
  WITH CHECK (organization_id IN (SELECT private.admin_organization_ids()));
CREATE POLICY memberships_update ON public.memberships FOR UPDATE TO authenticated
  USING (organization_id IN (SELECT private.admin_organization_ids())) WITH CHECK (organization_id IN (SELECT private.admin_organization_ids()));
CREATE POLICY memberships_delete ON public.memberships FOR DELETE TO authenticated
  USING (organization_id IN (SELECT private.admin_organization_ids()) OR user_id = (SELECT auth.uid()));
