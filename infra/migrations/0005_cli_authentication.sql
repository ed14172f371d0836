-- CLI login (device-style flow): the browser user approves a device code; the CLI trades it and
-- the 6-character verification code for a session with rotating refresh tokens. Device codes and
-- refresh tokens are stored as SHA-256 hashes, the verification code as an HMAC under a server
-- key. All personal: a user sees only their own rows. The token endpoints are anonymous and
-- reach these tables only through narrow SECURITY DEFINER functions (added with those endpoints).

CREATE TABLE public.device_authorizations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  device_code_hash bytea NOT NULL UNIQUE CHECK (octet_length(device_code_hash) = 32),
  verification_code_mac bytea NOT NULL CHECK (octet_length(verification_code_mac) = 32),
  status text NOT NULL DEFAULT 'approved' CHECK (status IN ('approved', 'consumed', 'denied')),
  failed_attempts integer NOT NULL DEFAULT 0 CHECK (failed_attempts BETWEEN 0 AND 5),
  client_name text CHECK (length(client_name) <= 200),
  approved_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  consumed_at timestamptz,
  CHECK (expires_at > approved_at)
);
CREATE INDEX device_authorizations_user_idx ON public.device_authorizations (user_id);
CREATE INDEX device_authorizations_expiry_idx ON public.device_authorizations (expires_at);

CREATE TABLE public.cli_sessions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  device_authorization_id uuid REFERENCES public.device_authorizations (id) ON DELETE SET NULL,
  client_name text CHECK (length(client_name) <= 200),
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz NOT NULL DEFAULT now(),
  -- Ends after inactivity (idle) and at the latest at expires_at (absolute).
  idle_expires_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  revoked_at timestamptz,
  revoked_reason text CHECK (revoked_reason IN ('logout', 'refresh_token_reuse', 'user', 'admin'))
);
CREATE INDEX cli_sessions_user_idx ON public.cli_sessions (user_id);

CREATE TABLE public.refresh_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id uuid NOT NULL REFERENCES public.cli_sessions (id) ON DELETE CASCADE,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  token_hash bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Set when the token is traded for the next one; presenting it again is reuse.
  rotated_at timestamptz
);
CREATE INDEX refresh_tokens_session_idx ON public.refresh_tokens (session_id);

ALTER TABLE public.device_authorizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.device_authorizations FORCE ROW LEVEL SECURITY;
REVOKE ALL ON public.device_authorizations FROM anon, authenticated;
GRANT SELECT ON public.device_authorizations TO authenticated;
GRANT ALL ON public.device_authorizations TO service_role;
CREATE POLICY device_authorizations_select ON public.device_authorizations FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()));

ALTER TABLE public.cli_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.cli_sessions FORCE ROW LEVEL SECURITY;
REVOKE ALL ON public.cli_sessions FROM anon, authenticated;
GRANT SELECT ON public.cli_sessions TO authenticated;
GRANT UPDATE (revoked_at, revoked_reason) ON public.cli_sessions TO authenticated;
GRANT ALL ON public.cli_sessions TO service_role;
CREATE POLICY cli_sessions_select ON public.cli_sessions FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()));
CREATE POLICY cli_sessions_update ON public.cli_sessions FOR UPDATE TO authenticated
  USING (user_id = (SELECT auth.uid())) WITH CHECK (user_id = (SELECT auth.uid()));

ALTER TABLE public.refresh_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.refresh_tokens FORCE ROW LEVEL SECURITY;
REVOKE ALL ON public.refresh_tokens FROM anon, authenticated;
GRANT SELECT ON public.refresh_tokens TO authenticated;
GRANT ALL ON public.refresh_tokens TO service_role;
CREATE POLICY refresh_tokens_select ON public.refresh_tokens FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()));
