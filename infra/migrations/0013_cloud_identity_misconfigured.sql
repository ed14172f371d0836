-- A connected role whose trust policy was loosened afterwards (it no longer requires this
-- workspace's external ID) is marked 'misconfigured' by the scheduled re-check in run-scan, with
-- the reason. Nothing more is done with it (credentials and scans need 'active') until the
-- customer fixes the trust policy and connects the role again, which re-activates it. Unlike a
-- revoke, the ARN stays, so the identity keeps its id and history.

ALTER TABLE public.cloud_identities DROP CONSTRAINT cloud_identities_status_check;
ALTER TABLE public.cloud_identities ADD CONSTRAINT cloud_identities_status_check
  CHECK (status IN ('pending', 'active', 'revoked', 'error', 'misconfigured'));

CREATE FUNCTION private.record_cloud_identity_misconfigured(identity_id uuid, reason text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  identity public.cloud_identities%ROWTYPE;
BEGIN
  SELECT * INTO identity FROM public.cloud_identities c WHERE c.id = identity_id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN 'not_found';
  END IF;
  IF identity.status <> 'active' THEN
    RETURN identity.status;
  END IF;
  UPDATE public.cloud_identities SET status = 'misconfigured', status_reason = left(reason, 1000), updated_at = now() WHERE id = identity_id;
  UPDATE public.scans SET status = 'cancelled', finished_at = now(), error = 'the role''s trust policy no longer requires the external ID'
  WHERE cloud_identity_id = identity_id AND status IN ('queued', 'running');
  INSERT INTO public.audit_events (organization_id, user_id, actor, action, cloud_identity_id, details)
  VALUES (identity.organization_id, NULL, 'system', 'cloud_identity.misconfigured', identity_id, jsonb_build_object('reason', left(reason, 1000)));
  RETURN 'misconfigured';
END
$$;

ALTER FUNCTION private.record_cloud_identity_misconfigured(uuid, text) OWNER TO service_role;
REVOKE ALL ON FUNCTION private.record_cloud_identity_misconfigured(uuid, text) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION private.record_cloud_identity_misconfigured(uuid, text) TO service_role;
