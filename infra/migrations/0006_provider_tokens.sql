-- Users' Git provider OAuth tokens, encrypted by the application (AES-256-GCM under a versioned
-- key, with owner and provider as associated data): the database holds only ciphertext.

CREATE TABLE public.provider_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  provider text NOT NULL CHECK (provider IN ('github', 'gitlab', 'bitbucket')),
  access_token_ciphertext bytea NOT NULL,
  refresh_token_ciphertext bytea,
  key_version integer NOT NULL CHECK (key_version > 0),
  access_token_expires_at timestamptz,
  refresh_token_expires_at timestamptz,
  scopes text[] NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'needs_reauth')),
  last_refreshed_at timestamptz,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (user_id, provider)
);
CREATE INDEX provider_tokens_expiry_idx ON public.provider_tokens (access_token_expires_at) WHERE status = 'active';

ALTER TABLE public.provider_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.provider_tokens FORCE ROW LEVEL SECURITY;
REVOKE ALL ON public.provider_tokens FROM anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.provider_tokens TO authenticated;
GRANT ALL ON public.provider_tokens TO service_role;
CREATE POLICY provider_tokens_select ON public.provider_tokens FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()));
CREATE POLICY provider_tokens_insert ON public.provider_tokens FOR INSERT TO authenticated
  WITH CHECK (user_id = (SELECT auth.uid()));
CREATE POLICY provider_tokens_update ON public.provider_tokens FOR UPDATE TO authenticated
  USING (user_id = (SELECT auth.uid())) WITH CHECK (user_id = (SELECT auth.uid()));
CREATE POLICY provider_tokens_delete ON public.provider_tokens FOR DELETE TO authenticated
  USING (user_id = (SELECT auth.uid()));
