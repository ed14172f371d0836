-- Provisioning: a cloud identity is for scanning (read-only, today's rules) or for provisioning
-- (a write-capable, bounded role that the Terraform runner assumes); Terraform runs and their
-- logs; and the Terraform state of each workspace's stacks, sealed by the application, with the
-- lock that keeps two applies of one stack from interleaving.

ALTER TABLE public.cloud_identities
  ADD COLUMN purpose text NOT NULL DEFAULT 'scan' CHECK (purpose IN ('scan', 'provision')),
  -- What a provisioner role may manage (service prefixes), as connect read it from its policies.
  ADD COLUMN aws_services text[] NOT NULL DEFAULT '{}';

CREATE TABLE public.terraform_runs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL,
  cloud_identity_id uuid NOT NULL,
  stack text NOT NULL CHECK (stack ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  command text NOT NULL CHECK (command IN ('plan', 'apply', 'destroy')),
  -- Where the configuration comes from: {"kind": "files"} (kept in source_files) or
  -- {"kind": "git", "provider", "repository", "ref", "path"}. Never a token.
  source jsonb NOT NULL,
  source_files jsonb,
  variables jsonb NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  cancel_requested_at timestamptz,
  exit_code integer,
  -- {"add": n, "change": n, "destroy": n} from `terraform show -json` of the run's plan.
  plan_summary jsonb,
  error text,
  requested_by uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  queued_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  -- When the run took the stack's lock (it waits for another run's apply to finish first).
  locked_at timestamptz,
  finished_at timestamptz,
  FOREIGN KEY (cloud_identity_id, organization_id) REFERENCES public.cloud_identities (id, organization_id) ON DELETE CASCADE,
  UNIQUE (id, organization_id)
);
CREATE INDEX terraform_runs_organization_idx ON public.terraform_runs (organization_id, queued_at DESC, id DESC);
CREATE INDEX terraform_runs_identity_status_idx ON public.terraform_runs (cloud_identity_id, status);

-- A run's output, credential values already redacted, in ordered chunks (paged by seq).
CREATE TABLE public.terraform_run_logs (
  run_id uuid NOT NULL,
  organization_id uuid NOT NULL,
  seq integer NOT NULL CHECK (seq >= 0),
  text text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, seq),
  FOREIGN KEY (run_id, organization_id) REFERENCES public.terraform_runs (id, organization_id) ON DELETE CASCADE
);

-- One state per workspace and stack, AES-256-GCM sealed by the application (workspace and stack
-- are the associated data: a ciphertext copied to another stack does not open).
CREATE TABLE public.terraform_states (
  organization_id uuid NOT NULL REFERENCES public.organizations (id) ON DELETE CASCADE,
  stack text NOT NULL CHECK (stack ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  state_ciphertext bytea,
  key_version integer CHECK (key_version > 0),
  -- Terraform's lock: its LockInfo document (ID, Operation, Who, Created, ...) while held.
  lock_id text,
  lock_info jsonb,
  locked_at timestamptz,
  updated_by uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (organization_id, stack),
  CHECK ((lock_id IS NULL) = (locked_at IS NULL))
);

ALTER TABLE public.terraform_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.terraform_runs FORCE ROW LEVEL SECURITY;
ALTER TABLE public.terraform_run_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.terraform_run_logs FORCE ROW LEVEL SECURITY;
ALTER TABLE public.terraform_states ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.terraform_states FORCE ROW LEVEL SECURITY;
REVOKE ALL ON public.terraform_runs, public.terraform_run_logs, public.terraform_states FROM anon, authenticated;
GRANT SELECT, INSERT ON public.terraform_runs TO authenticated;
GRANT UPDATE (cancel_requested_at) ON public.terraform_runs TO authenticated;
GRANT SELECT ON public.terraform_run_logs TO authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.terraform_states TO authenticated;
GRANT ALL ON public.terraform_runs, public.terraform_run_logs, public.terraform_states TO service_role;

-- Members (viewers too) read their workspaces' runs and logs; only admins start or cancel runs
-- (a run acts in the customer's account with write access).
CREATE POLICY terraform_runs_select ON public.terraform_runs FOR SELECT TO authenticated
  USING (organization_id IN (SELECT private.member_organization_ids()));
CREATE POLICY terraform_runs_insert ON public.terraform_runs FOR INSERT TO authenticated
  WITH CHECK (organization_id IN (SELECT private.admin_organization_ids()) AND requested_by = (SELECT auth.uid()));
CREATE POLICY terraform_runs_update ON public.terraform_runs FOR UPDATE TO authenticated
  USING (organization_id IN (SELECT private.admin_organization_ids())) WITH CHECK (organization_id IN (SELECT private.admin_organization_ids()));
CREATE POLICY terraform_run_logs_select ON public.terraform_run_logs FOR SELECT TO authenticated
  USING (organization_id IN (SELECT private.member_organization_ids()));
-- State can hold secrets of the infrastructure it describes: admins only.
CREATE POLICY terraform_states_all ON public.terraform_states FOR ALL TO authenticated
  USING (organization_id IN (SELECT private.admin_organization_ids())) WITH CHECK (organization_id IN (SELECT private.admin_organization_ids()));

-- Revoking an identity also ends its runs: queued ones never start, a running one is stopped by
-- its runner (which watches the status).
CREATE OR REPLACE FUNCTION private.revoke_cloud_identity(identity_id uuid, reason text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  identity public.cloud_identities%ROWTYPE;
  caller uuid := auth.uid();
BEGIN
  SELECT * INTO identity FROM public.cloud_identities c WHERE c.id = identity_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 'not_found';
  END IF;
  IF caller IS NOT NULL AND identity.organization_id NOT IN (SELECT private.admin_organization_ids()) THEN
    RETURN CASE WHEN identity.organization_id IN (SELECT private.member_organization_ids()) THEN 'forbidden' ELSE 'not_found' END;
  END IF;
  UPDATE public.cloud_identities SET
    aws_role_arn = NULL, aws_external_id_hash = NULL,
    gcp_project_number = NULL, gcp_pool_id = NULL, gcp_provider_id = NULL, gcp_service_account_email = NULL,
    azure_tenant_id = NULL, azure_client_id = NULL, azure_subscription_id = NULL,
    status = 'revoked', status_reason = reason, updated_at = now()
  WHERE id = identity_id;
  UPDATE public.scans SET status = 'cancelled', finished_at = now(), error = 'the cloud identity was revoked'
  WHERE cloud_identity_id = identity_id AND status IN ('queued', 'running');
  UPDATE public.terraform_runs SET status = 'failed', finished_at = now(), error = 'the cloud identity was revoked: ' || reason
  WHERE cloud_identity_id = identity_id AND status = 'queued';
  UPDATE public.terraform_runs SET cancel_requested_at = coalesce(cancel_requested_at, now())
  WHERE cloud_identity_id = identity_id AND status = 'running';
  IF identity.status <> 'revoked' OR identity.aws_role_arn IS NOT NULL THEN
    INSERT INTO public.audit_events (organization_id, user_id, actor, action, cloud_identity_id, details)
    VALUES (identity.organization_id, caller, coalesce('user:' || caller::text, 'system'), 'cloud_identity.revoked', identity_id,
            jsonb_build_object('reason', reason));
  END IF;
  RETURN 'revoked';
END
$$;

-- A queued run whose cancellation was requested ends here, by an admin of its workspace; a
-- running one is ended by its runner, which sees the request.
CREATE FUNCTION private.cancel_queued_terraform_run(run_id uuid) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  UPDATE public.terraform_runs r SET status = 'cancelled', finished_at = now(), error = 'cancelled before it started'
  WHERE r.id = run_id AND r.status = 'queued' AND r.cancel_requested_at IS NOT NULL
    AND (auth.uid() IS NULL OR r.organization_id IN (SELECT private.admin_organization_ids()));
  RETURN CASE WHEN FOUND THEN 'cancelled' ELSE 'unchanged' END;
END
$$;

ALTER FUNCTION private.cancel_queued_terraform_run(uuid) OWNER TO service_role;
REVOKE ALL ON FUNCTION private.cancel_queued_terraform_run(uuid) FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION private.cancel_queued_terraform_run(uuid) TO authenticated, service_role;
