-- A CLI login is bound to the CLI that started it: the approval stores the CLI's P-256 public key
-- (from the approval URL), and the exchange must be signed by its private key (CLIClientKey).
-- Approvals made before this have no key and cannot be exchanged; they expire within minutes.
-- And users see and end their own CLI sessions (GET / DELETE /api/auth/cli/sessions).

ALTER TABLE public.device_authorizations
  ADD COLUMN client_public_key bytea CHECK (octet_length(client_public_key) = 65);

DROP FUNCTION private.cli_approve_device(bytea, bytea, text, interval);
CREATE FUNCTION private.cli_approve_device(device_code_hash bytea, verification_code_mac bytea, client_name text, client_public_key bytea, lifetime interval)
RETURNS TABLE (outcome text, expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  caller uuid := auth.uid();
  existing public.device_authorizations%ROWTYPE;
BEGIN
  IF caller IS NULL THEN
    RAISE EXCEPTION 'sign in to approve a CLI login' USING ERRCODE = '42501';
  END IF;
  IF octet_length(cli_approve_device.client_public_key) IS DISTINCT FROM 65 THEN
    RAISE EXCEPTION 'a CLI login needs the public key of the CLI that started it' USING ERRCODE = '22023';
  END IF;
  SELECT * INTO existing FROM public.device_authorizations d WHERE d.device_code_hash = cli_approve_device.device_code_hash FOR UPDATE;
  IF FOUND THEN
    IF existing.user_id = caller AND existing.status = 'approved' AND existing.expires_at > now() THEN
      RETURN QUERY SELECT 'already_approved'::text, existing.expires_at;
    ELSE
      RETURN QUERY SELECT 'unavailable'::text, NULL::timestamptz;
    END IF;
    RETURN;
  END IF;
  INSERT INTO public.device_authorizations (user_id, device_code_hash, verification_code_mac, client_name, client_public_key, expires_at)
  VALUES (caller, cli_approve_device.device_code_hash, cli_approve_device.verification_code_mac, cli_approve_device.client_name,
          cli_approve_device.client_public_key, now() + lifetime)
  RETURNING * INTO existing;
  INSERT INTO public.audit_events (user_id, actor, action, details, expires_at)
  VALUES (caller, 'user:' || caller, 'cli.device_approved', jsonb_build_object('client_name', cli_approve_device.client_name), existing.expires_at);
  RETURN QUERY SELECT 'approved'::text, existing.expires_at;
END
$$;

DROP FUNCTION private.cli_lock_device(bytea);
CREATE FUNCTION private.cli_lock_device(device_code_hash bytea)
RETURNS TABLE (id uuid, user_id uuid, verification_code_mac bytea, client_public_key bytea, status text, failed_attempts integer, expired boolean)
LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
  SELECT d.id, d.user_id, d.verification_code_mac, d.client_public_key, d.status, d.failed_attempts, d.expires_at <= now()
  FROM public.device_authorizations d WHERE d.device_code_hash = cli_lock_device.device_code_hash FOR UPDATE
$$;

-- A user ends one of their own CLI sessions (a lost laptop). Its access tokens stop working at
-- once (private.verify_caller) and its refresh tokens with it. 'not_found' for another user's.
CREATE FUNCTION private.cli_revoke_session(session_id uuid)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  caller uuid := auth.uid();
  session public.cli_sessions%ROWTYPE;
BEGIN
  SELECT * INTO session FROM public.cli_sessions s WHERE s.id = cli_revoke_session.session_id AND s.user_id = caller FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 'not_found';
  END IF;
  IF session.revoked_at IS NOT NULL OR session.expires_at <= now() OR session.idle_expires_at <= now() THEN
    RETURN 'already_ended';
  END IF;
  UPDATE public.cli_sessions SET revoked_at = now(), revoked_reason = 'user' WHERE id = session.id;
  INSERT INTO public.audit_events (user_id, actor, action, details)
  VALUES (caller, 'user:' || caller, 'cli.session_revoked', jsonb_build_object('session_id', session.id, 'client_name', session.client_name));
  RETURN 'revoked';
END
$$;

ALTER FUNCTION private.cli_approve_device(bytea, bytea, text, bytea, interval) OWNER TO service_role;
ALTER FUNCTION private.cli_lock_device(bytea) OWNER TO service_role;
ALTER FUNCTION private.cli_revoke_session(uuid) OWNER TO service_role;
REVOKE ALL ON FUNCTION private.cli_approve_device(bytea, bytea, text, bytea, interval), private.cli_lock_device(bytea),
  private.cli_revoke_session(uuid) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION private.cli_approve_device(bytea, bytea, text, bytea, interval), private.cli_revoke_session(uuid) TO authenticated;
GRANT EXECUTE ON FUNCTION private.cli_lock_device(bytea) TO anon;
