-- How the platform reaches a workspace's cloud accounts. Only what federation needs is kept —
-- a role ARN and the external ID's hash, a WIF pool/provider, an Azure app id — never a key,
-- secret or token: there is no column that could hold a static cloud credential.

CREATE TABLE public.cloud_identities (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  organization_id uuid NOT NULL REFERENCES public.organizations (id) ON DELETE CASCADE,
  provider text NOT NULL CHECK (provider IN ('aws', 'gcp', 'azure')),
  display_name text NOT NULL DEFAULT '' CHECK (length(display_name) <= 200),

  aws_role_arn text CHECK (aws_role_arn ~ '^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$' AND length(aws_role_arn) <= 2048),
  aws_account_id text CHECK (aws_account_id ~ '^[0-9]{12}$'),
  -- SHA-256 of the external ID; the ID itself is derived from a server key when needed.
  aws_external_id_hash bytea CHECK (octet_length(aws_external_id_hash) = 32),

  gcp_project_number text CHECK (gcp_project_number ~ '^[0-9]{1,20}$'),
  gcp_pool_id text CHECK (gcp_pool_id ~ '^[a-z0-9-]{4,32}$'),
  gcp_provider_id text CHECK (gcp_provider_id ~ '^[a-z0-9-]{4,32}$'),
  gcp_service_account_email text CHECK (gcp_service_account_email ~ '^[^@\s]+@[^@\s]+\.iam\.gserviceaccount\.com$'),

  azure_tenant_id uuid,
  azure_client_id uuid,
  azure_subscription_id uuid,

  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'active', 'revoked', 'error')),
  status_reason text,
  last_verified_at timestamptz,
  last_scanned_at timestamptz,
  created_by uuid REFERENCES auth.users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),

  -- A provider's fields only on that provider's identities.
  CONSTRAINT aws_fields_only_for_aws CHECK (provider = 'aws' OR (aws_role_arn IS NULL AND aws_account_id IS NULL AND aws_external_id_hash IS NULL)),
  CONSTRAINT gcp_fields_only_for_gcp CHECK (provider = 'gcp' OR (gcp_project_number IS NULL AND gcp_pool_id IS NULL AND gcp_provider_id IS NULL AND gcp_service_account_email IS NULL)),
  CONSTRAINT azure_fields_only_for_azure CHECK (provider = 'azure' OR (azure_tenant_id IS NULL AND azure_client_id IS NULL AND azure_subscription_id IS NULL)),
  -- Workspace tables below reference (id, organization_id), so a row can never point across workspaces.
  UNIQUE (id, organization_id)
);
CREATE INDEX cloud_identities_organization_idx ON public.cloud_identities (organization_id, provider);
CREATE INDEX cloud_identities_due_idx ON public.cloud_identities (provider, status, last_scanned_at);
CREATE UNIQUE INDEX cloud_identities_role_arn_idx ON public.cloud_identities (organization_id, aws_role_arn) WHERE aws_role_arn IS NOT NULL;

ALTER TABLE public.cloud_identities ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.cloud_identities FORCE ROW LEVEL SECURITY;
REVOKE ALL ON public.cloud_identities FROM anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.cloud_identities TO authenticated;
GRANT ALL ON public.cloud_identities TO service_role;
-- Members read their workspaces' identities; a session scoped to one provider sees only that
-- provider's (an AWS identity never appears in a GCP context).
CREATE POLICY cloud_identities_select ON public.cloud_identities FOR SELECT TO authenticated
  USING (organization_id IN (SELECT private.member_organization_ids())
         AND (coalesce(current_setting('request.cloud_provider', true), '') = '' OR provider = current_setting('request.cloud_provider', true)));
CREATE POLICY cloud_identities_insert ON public.cloud_identities FOR INSERT TO authenticated
  WITH CHECK (organization_id IN (SELECT private.admin_organization_ids()));
CREATE POLICY cloud_identities_update ON public.cloud_identities FOR UPDATE TO authenticated
  USING (organization_id IN (SELECT private.admin_organization_ids())) WITH CHECK (organization_id IN (SELECT private.admin_organization_ids()));
CREATE POLICY cloud_identities_delete ON public.cloud_identities FOR DELETE TO authenticated
  USING (organization_id IN (SELECT private.admin_organization_ids()));
