-- Read-only scans of a cloud identity and what they found. Written by the scan runner (service
-- role); members read them; members may start a scan and comment on findings.

CREATE TABLE public.scans (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL,
  cloud_identity_id uuid NOT NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'partial', 'failed', 'cancelled')),
  trigger text NOT NULL CHECK (trigger IN ('schedule', 'user')),
  requested_by uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  -- Per-service errors of a partial scan: {"rds": "AccessDenied: ..."}.
  service_errors jsonb NOT NULL DEFAULT '{}',
  error text,
  resource_count integer CHECK (resource_count >= 0),
  failed_finding_count integer CHECK (failed_finding_count >= 0),
  queued_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  finished_at timestamptz,
  FOREIGN KEY (cloud_identity_id, organization_id) REFERENCES public.cloud_identities (id, organization_id) ON DELETE CASCADE,
  UNIQUE (id, organization_id)
);
CREATE INDEX scans_organization_idx ON public.scans (organization_id, queued_at DESC);
CREATE INDEX scans_identity_status_idx ON public.scans (cloud_identity_id, status);

CREATE TABLE public.resources (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL,
  cloud_identity_id uuid NOT NULL,
  arn text NOT NULL,
  resource_type text NOT NULL,
  service text NOT NULL,
  region text NOT NULL,
  attributes jsonb NOT NULL DEFAULT '{}',
  last_scan_id uuid REFERENCES public.scans (id) ON DELETE SET NULL,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (cloud_identity_id, organization_id) REFERENCES public.cloud_identities (id, organization_id) ON DELETE CASCADE,
  UNIQUE (cloud_identity_id, arn)
);
CREATE INDEX resources_organization_service_idx ON public.resources (organization_id, service);

CREATE TABLE public.findings (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL,
  cloud_identity_id uuid NOT NULL,
  last_scan_id uuid REFERENCES public.scans (id) ON DELETE SET NULL,
  resource_arn text NOT NULL,
  region text NOT NULL DEFAULT '',
  service text NOT NULL,
  check_id text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'informational')),
  status text NOT NULL CHECK (status IN ('PASS', 'FAIL', 'MANUAL')),
  status_extended text NOT NULL DEFAULT '',
  -- Lifecycle across scans: open while failing, resolved (with the time) when it stops failing.
  state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  FOREIGN KEY (cloud_identity_id, organization_id) REFERENCES public.cloud_identities (id, organization_id) ON DELETE CASCADE,
  UNIQUE (cloud_identity_id, check_id, resource_arn),
  UNIQUE (id, organization_id)
);
CREATE INDEX findings_organization_filter_idx ON public.findings (organization_id, status, severity);
CREATE INDEX findings_organization_service_idx ON public.findings (organization_id, service);

CREATE TABLE public.recommendations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL,
  cloud_identity_id uuid NOT NULL,
  check_id text NOT NULL,
  severity text NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'informational')),
  title text NOT NULL,
  remediation text NOT NULL,
  reference_url text,
  affected_resource_count integer NOT NULL DEFAULT 0 CHECK (affected_resource_count >= 0),
  state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (cloud_identity_id, organization_id) REFERENCES public.cloud_identities (id, organization_id) ON DELETE CASCADE,
  UNIQUE (cloud_identity_id, check_id)
);
CREATE INDEX recommendations_organization_idx ON public.recommendations (organization_id, state, severity);

CREATE TABLE public.comments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL,
  finding_id uuid NOT NULL,
  author_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  body text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  FOREIGN KEY (finding_id, organization_id) REFERENCES public.findings (id, organization_id) ON DELETE CASCADE
);
CREATE INDEX comments_finding_idx ON public.comments (finding_id, created_at);

ALTER TABLE public.scans ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.scans FORCE ROW LEVEL SECURITY;
REVOKE ALL ON public.scans FROM anon, authenticated;
GRANT SELECT, INSERT ON public.scans TO authenticated;
GRANT ALL ON public.scans TO service_role;
CREATE POLICY scans_select ON public.scans FOR SELECT TO authenticated
  USING (organization_id IN (SELECT private.member_organization_ids()));
CREATE POLICY scans_insert ON public.scans FOR INSERT TO authenticated
  WITH CHECK (organization_id IN (SELECT private.member_organization_ids())
              AND trigger = 'user' AND status = 'queued' AND requested_by = (SELECT auth.uid()));

ALTER TABLE public.resources ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.resources FORCE ROW LEVEL SECURITY;
REVOKE ALL ON public.resources FROM anon, authenticated;
GRANT SELECT ON public.resources TO authenticated;
GRANT ALL ON public.resources TO service_role;
CREATE POLICY resources_select ON public.resources FOR SELECT TO authenticated
  USING (organization_id IN (SELECT private.member_organization_ids()));

ALTER TABLE public.findings ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.findings FORCE ROW LEVEL SECURITY;
REVOKE ALL ON public.findings FROM anon, authenticated;
GRANT SELECT ON public.findings TO authenticated;
GRANT ALL ON public.findings TO service_role;
CREATE POLICY findings_select ON public.findings FOR SELECT TO authenticated
  USING (organization_id IN (SELECT private.member_organization_ids()));

ALTER TABLE public.recommendations ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.recommendations FORCE ROW LEVEL SECURITY;
REVOKE ALL ON public.recommendations FROM anon, authenticated;
GRANT SELECT ON public.recommendations TO authenticated;
GRANT ALL ON public.recommendations TO service_role;
CREATE POLICY recommendations_select ON public.recommendations FOR SELECT TO authenticated
  USING (organization_id IN (SELECT private.member_organization_ids()));

ALTER TABLE public.comments ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.comments FORCE ROW LEVEL SECURITY;
REVOKE ALL ON public.comments FROM anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.comments TO authenticated;
GRANT ALL ON public.comments TO service_role;
CREATE POLICY comments_select ON public.comments FOR SELECT TO authenticated
  USING (organization_id IN (SELECT private.member_organization_ids()));
CREATE POLICY comments_insert ON public.comments FOR INSERT TO authenticated
  WITH CHECK (organization_id IN (SELECT private.member_organization_ids()) AND author_id = (SELECT auth.uid()));
CREATE POLICY comments_update ON public.comments FOR UPDATE TO authenticated
  USING (organization_id IN (SELECT private.member_organization_ids()) AND author_id = (SELECT auth.uid()))
  WITH CHECK (organization_id IN (SELECT private.member_organization_ids()) AND author_id = (SELECT auth.uid()));
CREATE POLICY comments_delete ON public.comments FOR DELETE TO authenticated
  USING (organization_id IN (SELECT private.member_organization_ids()) AND author_id = (SELECT auth.uid()));
