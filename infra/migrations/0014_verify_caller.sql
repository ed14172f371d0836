-- A verified token is not yet a caller: its user must still exist and, for the platform's own
-- CLI access tokens, its CLI session must still be live (not logged out, not revoked for a reused
-- refresh token, not expired). Every user session's first statement calls this together with
-- setting the role and claims, so the check costs no extra round trip, and a failure (SQLSTATE
-- 28000) aborts the whole request before any of its statements runs.
--
-- It is called while the connection is still the `authenticator` login role (the role switch
-- happens in the same statement), so that role may execute it; it reads only existence.

CREATE FUNCTION private.verify_caller(caller uuid, cli_session uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM auth.users u WHERE u.id = caller) THEN
    RAISE EXCEPTION 'the access token''s user does not exist' USING ERRCODE = '28000';
  END IF;
  IF cli_session IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM public.cli_sessions s
    WHERE s.id = cli_session AND s.user_id = caller AND s.revoked_at IS NULL AND s.expires_at > now() AND s.idle_expires_at > now()
  ) THEN
    RAISE EXCEPTION 'the CLI session of this access token has ended (logged out, revoked or expired): log in again' USING ERRCODE = '28000';
  END IF;
  RETURN true;
END
$$;

GRANT SELECT ON auth.users TO service_role;
ALTER FUNCTION private.verify_caller(uuid, uuid) OWNER TO service_role;
REVOKE ALL ON FUNCTION private.verify_caller(uuid, uuid) FROM PUBLIC;
GRANT USAGE ON SCHEMA private TO authenticator;
GRANT EXECUTE ON FUNCTION private.verify_caller(uuid, uuid) TO authenticator;
