-- When AWS refuses the platform's AssumeRole (the customer deleted the role or changed its trust),
-- the identity is marked revoked with AWS's reason and its queued or running scans are
-- cancelled, so nothing more is attempted. Unlike a customer's revoke, the role ARN stays: the
-- next connect-account with the same ARN re-activates this identity (same id, same history).
-- Callable by the system (service role) and by a member whose request met the refusal; it only
-- ever lowers access, and reports 'not_found' for an identity the caller cannot see.

CREATE FUNCTION private.record_cloud_access_lost(identity_id uuid, reason text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  identity public.cloud_identities%ROWTYPE;
  caller uuid := auth.uid();
BEGIN
  SELECT * INTO identity FROM public.cloud_identities c WHERE c.id = identity_id FOR UPDATE;
  IF NOT FOUND OR (caller IS NOT NULL AND identity.organization_id NOT IN (SELECT private.member_organization_ids())) THEN
    RETURN 'not_found';
  END IF;
  IF identity.status = 'revoked' THEN
    RETURN 'revoked';
  END IF;
  UPDATE public.cloud_identities SET status = 'revoked', status_reason = left(reason, 1000), updated_at = now() WHERE id = identity_id;
  UPDATE public.scans SET status = 'cancelled', finished_at = now(), error = 'the platform lost access to the cloud account'
  WHERE cloud_identity_id = identity_id AND status IN ('queued', 'running');
  INSERT INTO public.audit_events (organization_id, user_id, actor, action, cloud_identity_id, details)
  VALUES (identity.organization_id, caller, coalesce('user:' || caller::text, 'system'), 'cloud_identity.access_lost', identity_id,
          jsonb_build_object('reason', left(reason, 1000)));
  RETURN 'revoked';
END
$$;

ALTER FUNCTION private.record_cloud_access_lost(uuid, text) OWNER TO service_role;
REVOKE ALL ON FUNCTION private.record_cloud_access_lost(uuid, text) FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION private.record_cloud_access_lost(uuid, text) TO authenticated, service_role;
