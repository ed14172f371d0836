-- Revoking a cloud identity in one step: the stored ARN / federation data and the external ID's
-- hash are removed, the identity is marked revoked with the reason, and its queued or running
-- scans are cancelled. Idempotent. Callable by a workspace admin (user session) and by system
-- functions (service session). It lives in `private`, out of Supabase's REST API.

CREATE FUNCTION private.revoke_cloud_identity(identity_id uuid, reason text) RETURNS text
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
    -- Members learn they may not; everyone else learns nothing.
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
  IF identity.status <> 'revoked' OR identity.aws_role_arn IS NOT NULL THEN
    INSERT INTO public.audit_events (organization_id, user_id, actor, action, cloud_identity_id, details)
    VALUES (identity.organization_id, caller, coalesce('user:' || caller::text, 'system'), 'cloud_identity.revoked', identity_id,
            jsonb_build_object('reason', reason));
  END IF;
  RETURN 'revoked';
END
$$;

ALTER FUNCTION private.revoke_cloud_identity(uuid, text) OWNER TO service_role;
REVOKE ALL ON FUNCTION private.revoke_cloud_identity(uuid, text) FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION private.revoke_cloud_identity(uuid, text) TO authenticated, service_role;
