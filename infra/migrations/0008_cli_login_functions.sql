-- The CLI login flow's database side. The token endpoints are anonymous: they reach the CLI
-- tables only through these functions (SECURITY DEFINER, owned by service_role, fixed
-- search_path), each of which locks the row it decides on, so concurrent requests with the same
-- device code or refresh token are decided one after the other. They live in `private`, which
-- Supabase's REST API does not expose: the anon key is public, and these are for the platform's
-- own token endpoints only. Starting a session also re-checks the verification code's MAC, so
-- even a direct call cannot skip the code.

GRANT USAGE ON SCHEMA private TO anon;

-- The signed-in user approves a device code (cli-authorize).
CREATE FUNCTION private.cli_approve_device(device_code_hash bytea, verification_code_mac bytea, client_name text, lifetime interval)
RETURNS TABLE (outcome text, expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  caller uuid := auth.uid();
  existing public.device_authorizations%ROWTYPE;
BEGIN
  IF caller IS NULL THEN
    RAISE EXCEPTION 'sign in to approve a CLI login' USING ERRCODE = '42501';
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
  INSERT INTO public.device_authorizations (user_id, device_code_hash, verification_code_mac, client_name, expires_at)
  VALUES (caller, cli_approve_device.device_code_hash, cli_approve_device.verification_code_mac, cli_approve_device.client_name, now() + lifetime)
  RETURNING * INTO existing;
  INSERT INTO public.audit_events (user_id, actor, action, details, expires_at)
  VALUES (caller, 'user:' || caller, 'cli.device_approved', jsonb_build_object('client_name', cli_approve_device.client_name), existing.expires_at);
  RETURN QUERY SELECT 'approved'::text, existing.expires_at;
END
$$;

-- The CLI's exchange, step 1: the approval, locked for the rest of the transaction.
CREATE FUNCTION private.cli_lock_device(device_code_hash bytea)
RETURNS TABLE (id uuid, user_id uuid, verification_code_mac bytea, status text, failed_attempts integer, expired boolean)
LANGUAGE sql SECURITY DEFINER SET search_path = '' AS $$
  SELECT d.id, d.user_id, d.verification_code_mac, d.status, d.failed_attempts, d.expires_at <= now()
  FROM public.device_authorizations d WHERE d.device_code_hash = cli_lock_device.device_code_hash FOR UPDATE
$$;

-- Step 2a: a wrong verification code. The fifth kills the device code. Returns attempts left.
CREATE FUNCTION private.cli_record_failed_attempt(device_authorization_id uuid, maximum integer)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  attempts integer;
  owner uuid;
BEGIN
  UPDATE public.device_authorizations
  SET failed_attempts = least(failed_attempts + 1, maximum),
      status = CASE WHEN failed_attempts + 1 >= maximum THEN 'denied' ELSE status END
  WHERE id = device_authorization_id AND status = 'approved'
  RETURNING failed_attempts, user_id INTO attempts, owner;
  IF attempts >= maximum THEN
    INSERT INTO public.audit_events (user_id, actor, action, details)
    VALUES (owner, 'system:cli-exchange', 'cli.device_locked', jsonb_build_object('failed_attempts', attempts));
  END IF;
  RETURN greatest(maximum - coalesce(attempts, maximum), 0);
END
$$;

-- Step 2b: the right code. The approval is used up and a CLI session begins.
CREATE FUNCTION private.cli_start_session(device_authorization_id uuid, presented_code_mac bytea, refresh_token_hash bytea, idle interval, absolute interval)
RETURNS TABLE (session_id uuid, user_id uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  device public.device_authorizations%ROWTYPE;
  new_session uuid;
BEGIN
  UPDATE public.device_authorizations d SET status = 'consumed', consumed_at = now()
  WHERE d.id = device_authorization_id AND d.status = 'approved' AND d.expires_at > now()
    AND d.verification_code_mac = presented_code_mac
  RETURNING * INTO device;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  INSERT INTO public.cli_sessions (user_id, device_authorization_id, client_name, idle_expires_at, expires_at)
  VALUES (device.user_id, device.id, device.client_name, now() + idle, now() + absolute)
  RETURNING id INTO new_session;
  INSERT INTO public.refresh_tokens (session_id, user_id, token_hash) VALUES (new_session, device.user_id, refresh_token_hash);
  INSERT INTO public.audit_events (user_id, actor, action, details)
  VALUES (device.user_id, 'user:' || device.user_id, 'cli.login', jsonb_build_object('session_id', new_session, 'client_name', device.client_name));
  RETURN QUERY SELECT new_session, device.user_id;
END
$$;

-- cli-refresh: trade a refresh token for the next one. Outcomes: 'rotated'; 'invalid' (unknown,
-- or presented again within the grace after its rotation — a race between two CLI processes);
-- 'expired' (the session ended); 'reused' (presented again later: the session is revoked).
CREATE FUNCTION private.cli_rotate_refresh_token(presented_hash bytea, next_hash bytea, grace interval, idle interval)
RETURNS TABLE (outcome text, session_id uuid, user_id uuid)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  token public.refresh_tokens%ROWTYPE;
  session public.cli_sessions%ROWTYPE;
BEGIN
  SELECT * INTO token FROM public.refresh_tokens t WHERE t.token_hash = presented_hash FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'invalid'::text, NULL::uuid, NULL::uuid;
    RETURN;
  END IF;
  SELECT * INTO session FROM public.cli_sessions s WHERE s.id = token.session_id FOR UPDATE;
  IF session.revoked_at IS NOT NULL THEN
    RETURN QUERY SELECT 'invalid'::text, session.id, session.user_id;
    RETURN;
  END IF;
  IF token.rotated_at IS NOT NULL THEN
    IF token.rotated_at > now() - grace THEN
      RETURN QUERY SELECT 'invalid'::text, session.id, session.user_id;
      RETURN;
    END IF;
    UPDATE public.cli_sessions SET revoked_at = now(), revoked_reason = 'refresh_token_reuse' WHERE id = session.id;
    INSERT INTO public.audit_events (user_id, actor, action, details)
    VALUES (session.user_id, 'system:cli-refresh', 'cli.refresh_token_reused', jsonb_build_object('session_id', session.id));
    RETURN QUERY SELECT 'reused'::text, session.id, session.user_id;
    RETURN;
  END IF;
  IF session.expires_at <= now() OR session.idle_expires_at <= now() THEN
    RETURN QUERY SELECT 'expired'::text, session.id, session.user_id;
    RETURN;
  END IF;
  UPDATE public.refresh_tokens SET rotated_at = now() WHERE id = token.id;
  INSERT INTO public.refresh_tokens (session_id, user_id, token_hash) VALUES (session.id, session.user_id, next_hash);
  UPDATE public.cli_sessions SET last_used_at = now(), idle_expires_at = least(now() + idle, expires_at) WHERE id = session.id;
  RETURN QUERY SELECT 'rotated'::text, session.id, session.user_id;
END
$$;

-- cli-logout: ends the session a refresh token belongs to (any of its tokens will do).
CREATE FUNCTION private.cli_end_session(presented_hash bytea)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  ended public.cli_sessions%ROWTYPE;
BEGIN
  UPDATE public.cli_sessions s SET revoked_at = now(), revoked_reason = 'logout'
  WHERE s.id = (SELECT t.session_id FROM public.refresh_tokens t WHERE t.token_hash = presented_hash) AND s.revoked_at IS NULL
  RETURNING * INTO ended;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  INSERT INTO public.audit_events (user_id, actor, action, details)
  VALUES (ended.user_id, 'user:' || ended.user_id, 'cli.logout', jsonb_build_object('session_id', ended.id));
  RETURN true;
END
$$;

ALTER FUNCTION private.cli_approve_device(bytea, bytea, text, interval) OWNER TO service_role;
ALTER FUNCTION private.cli_lock_device(bytea) OWNER TO service_role;
ALTER FUNCTION private.cli_record_failed_attempt(uuid, integer) OWNER TO service_role;
ALTER FUNCTION private.cli_start_session(uuid, bytea, bytea, interval, interval) OWNER TO service_role;
ALTER FUNCTION private.cli_rotate_refresh_token(bytea, bytea, interval, interval) OWNER TO service_role;
ALTER FUNCTION private.cli_end_session(bytea) OWNER TO service_role;

REVOKE ALL ON FUNCTION private.cli_approve_device(bytea, bytea, text, interval), private.cli_lock_device(bytea),
  private.cli_record_failed_attempt(uuid, integer), private.cli_start_session(uuid, bytea, bytea, interval, interval),
  private.cli_rotate_refresh_token(bytea, bytea, interval, interval), private.cli_end_session(bytea)
  FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION private.cli_approve_device(bytea, bytea, text, interval) TO authenticated;
GRANT EXECUTE ON FUNCTION private.cli_lock_device(bytea), private.cli_record_failed_attempt(uuid, integer),
  private.cli_start_session(uuid, bytea, bytea, interval, interval), private.cli_rotate_refresh_token(bytea, bytea, interval, interval),
  private.cli_end_session(bytea) TO anon;
