-- Git provider tokens that arrive with a sign-in. When GoTrue (or a hook in front of it) writes
-- an OAuth provider's tokens into auth.identities.identity_data, this trigger takes them out
-- again before the row is stored — auth.identities is readable by the user's own session and
-- must not keep them — and leaves them in private.provider_token_imports. The database cannot
-- encrypt them with the application's AES-GCM keys, so the platform seals an import into
-- public.provider_tokens (and deletes it) at the owner's next GET /api/provider-tokens/{provider}
-- or the next provider-token-refresh tick, whichever comes first.
--
-- The identity data keys: provider_token, provider_refresh_token, provider_token_expires_at
-- (Unix seconds) and provider_token_scopes (separated by spaces or commas).

CREATE TABLE private.provider_token_imports (
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  provider text NOT NULL CHECK (provider IN ('github', 'gitlab', 'bitbucket')),
  access_token text NOT NULL,
  refresh_token text,
  access_token_expires_at timestamptz,
  scopes text[] NOT NULL DEFAULT '{}',
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, provider)
);
REVOKE ALL ON private.provider_token_imports FROM PUBLIC, anon, authenticated;
GRANT SELECT, INSERT, UPDATE, DELETE ON private.provider_token_imports TO service_role;

CREATE FUNCTION private.import_provider_tokens() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  token_keys text[] := ARRAY['provider_token', 'provider_refresh_token', 'provider_token_expires_at', 'provider_token_scopes'];
  data jsonb := NEW.identity_data;
  expires_at timestamptz;
BEGIN
  IF NEW.provider NOT IN ('github', 'gitlab', 'bitbucket') OR NOT (data ?| token_keys) THEN
    RETURN NEW;
  END IF;
  NEW.identity_data := data - token_keys;
  IF coalesce(data ->> 'provider_token', '') = '' THEN
    RETURN NEW;
  END IF;
  IF jsonb_typeof(data -> 'provider_token_expires_at') = 'number' THEN
    expires_at := to_timestamp((data ->> 'provider_token_expires_at')::double precision);
  END IF;
  INSERT INTO private.provider_token_imports AS i (user_id, provider, access_token, refresh_token, access_token_expires_at, scopes)
  VALUES (NEW.user_id, NEW.provider, data ->> 'provider_token', nullif(data ->> 'provider_refresh_token', ''), expires_at,
          coalesce(regexp_split_to_array(nullif(btrim(data ->> 'provider_token_scopes'), ''), '[\s,]+'), '{}'))
  ON CONFLICT (user_id, provider) DO UPDATE SET
    access_token = EXCLUDED.access_token, refresh_token = EXCLUDED.refresh_token,
    access_token_expires_at = EXCLUDED.access_token_expires_at, scopes = EXCLUDED.scopes, received_at = now();
  RETURN NEW;
END
$$;
ALTER FUNCTION private.import_provider_tokens() OWNER TO service_role;
REVOKE ALL ON FUNCTION private.import_provider_tokens() FROM PUBLIC, anon, authenticated;

CREATE TRIGGER import_provider_tokens BEFORE INSERT OR UPDATE OF identity_data ON auth.identities
  FOR EACH ROW EXECUTE FUNCTION private.import_provider_tokens();

-- Hands a pending import to its owner (or to the system) and deletes it, in the caller's
-- transaction: if sealing it fails, the import is still there.
CREATE FUNCTION private.take_provider_token_import(owner uuid, provider text)
RETURNS TABLE (access_token text, refresh_token text, access_token_expires_at timestamptz, scopes text[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF auth.uid() IS DISTINCT FROM owner AND coalesce(auth.role(), '') <> 'service_role' THEN
    RETURN;
  END IF;
  RETURN QUERY
    DELETE FROM private.provider_token_imports i
    WHERE i.user_id = take_provider_token_import.owner AND i.provider = take_provider_token_import.provider
    RETURNING i.access_token, i.refresh_token, i.access_token_expires_at, i.scopes;
END
$$;
ALTER FUNCTION private.take_provider_token_import(uuid, text) OWNER TO service_role;
REVOKE ALL ON FUNCTION private.take_provider_token_import(uuid, text) FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION private.take_provider_token_import(uuid, text) TO authenticated, service_role;

-- provider-token-refresh walks the due tokens in expiry order.
DROP INDEX public.provider_tokens_expiry_idx;
CREATE INDEX provider_tokens_due_idx ON public.provider_tokens (access_token_expires_at, id)
  WHERE status = 'active' AND refresh_token_ciphertext IS NOT NULL;
