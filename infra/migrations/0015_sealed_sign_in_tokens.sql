-- Provider tokens that arrive with a sign-in are sealed by the trigger itself, so they never rest
-- in plain text, not even for the minutes until the platform takes them. The database holds only
-- the platform's public key (OpenPGP, published by `migrate` from PROVIDER_TOKEN_IMPORT_KEY) and
-- seals with pgcrypto's pgp_pub_encrypt (RSA, AES-256, integrity-protected, no compression); the
-- platform, which alone holds the private key, opens an import and re-seals it into
-- public.provider_tokens under its AES-GCM keys as before. Without a published key the trigger
-- stores nothing (the sign-in still succeeds; the tokens are dropped with a warning).
--
-- pgcrypto lives in the `extensions` schema, as on Supabase.

CREATE SCHEMA IF NOT EXISTS extensions;
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;
GRANT USAGE ON SCHEMA extensions TO service_role;

CREATE TABLE private.provider_token_import_key (
  only_one boolean PRIMARY KEY DEFAULT true CHECK (only_one),
  public_key bytea NOT NULL,
  published_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON private.provider_token_import_key FROM PUBLIC, anon, authenticated;
GRANT SELECT ON private.provider_token_import_key TO service_role;

-- pgp_key_id refuses anything that is not an OpenPGP public key pgcrypto can encrypt to.
CREATE FUNCTION private.publish_provider_token_import_key(public_key bytea) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  key_id text := extensions.pgp_key_id(public_key);
BEGIN
  INSERT INTO private.provider_token_import_key (public_key) VALUES (public_key)
  ON CONFLICT (only_one) DO UPDATE SET public_key = EXCLUDED.public_key, published_at = now()
  WHERE private.provider_token_import_key.public_key IS DISTINCT FROM EXCLUDED.public_key;
  RETURN key_id;
END
$$;
REVOKE ALL ON FUNCTION private.publish_provider_token_import_key(bytea) FROM PUBLIC, anon, authenticated, service_role;

-- Imports written before this migration keep their plain columns until they are taken (at most
-- one refresh tick); every new one has only sealed_tokens.
ALTER TABLE private.provider_token_imports
  ADD COLUMN sealed_tokens bytea,
  ALTER COLUMN access_token DROP NOT NULL,
  ADD CONSTRAINT provider_token_imports_sealed_or_legacy CHECK (sealed_tokens IS NOT NULL OR access_token IS NOT NULL);

CREATE OR REPLACE FUNCTION private.import_provider_tokens() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
DECLARE
  token_keys text[] := ARRAY['provider_token', 'provider_refresh_token', 'provider_token_expires_at', 'provider_token_scopes'];
  data jsonb := NEW.identity_data;
  expires_at timestamptz;
  key bytea;
  sealed bytea;
BEGIN
  IF NEW.provider NOT IN ('github', 'gitlab', 'bitbucket') OR NOT (data ?| token_keys) THEN
    RETURN NEW;
  END IF;
  NEW.identity_data := data - token_keys;
  IF coalesce(data ->> 'provider_token', '') = '' THEN
    RETURN NEW;
  END IF;
  SELECT k.public_key INTO key FROM private.provider_token_import_key k;
  IF key IS NULL THEN
    RAISE WARNING 'no sign-in token key is published (run migrate with PROVIDER_TOKEN_IMPORT_KEY): this sign-in''s provider tokens are dropped, not stored in plain text';
    RETURN NEW;
  END IF;
  sealed := extensions.pgp_pub_encrypt(
    jsonb_build_object('access_token', data ->> 'provider_token', 'refresh_token', nullif(data ->> 'provider_refresh_token', ''))::text,
    key, 'cipher-algo=aes256, compress-algo=0');
  IF jsonb_typeof(data -> 'provider_token_expires_at') = 'number' THEN
    expires_at := to_timestamp((data ->> 'provider_token_expires_at')::double precision);
  END IF;
  INSERT INTO private.provider_token_imports AS i (user_id, provider, access_token, refresh_token, sealed_tokens, access_token_expires_at, scopes)
  VALUES (NEW.user_id, NEW.provider, NULL, NULL, sealed, expires_at,
          coalesce(regexp_split_to_array(nullif(btrim(data ->> 'provider_token_scopes'), ''), '[\s,]+'), '{}'))
  ON CONFLICT (user_id, provider) DO UPDATE SET
    access_token = NULL, refresh_token = NULL, sealed_tokens = EXCLUDED.sealed_tokens,
    access_token_expires_at = EXCLUDED.access_token_expires_at, scopes = EXCLUDED.scopes, received_at = now();
  RETURN NEW;
END
$$;

DROP FUNCTION private.take_provider_token_import(uuid, text);
CREATE FUNCTION private.take_provider_token_import(owner uuid, provider text)
RETURNS TABLE (sealed_tokens bytea, access_token text, refresh_token text, access_token_expires_at timestamptz, scopes text[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path = '' AS $$
BEGIN
  IF auth.uid() IS DISTINCT FROM owner AND coalesce(auth.role(), '') <> 'service_role' THEN
    RETURN;
  END IF;
  RETURN QUERY
    DELETE FROM private.provider_token_imports i
    WHERE i.user_id = take_provider_token_import.owner AND i.provider = take_provider_token_import.provider
    RETURNING i.sealed_tokens, i.access_token, i.refresh_token, i.access_token_expires_at, i.scopes;
END
$$;
ALTER FUNCTION private.take_provider_token_import(uuid, text) OWNER TO service_role;
REVOKE ALL ON FUNCTION private.take_provider_token_import(uuid, text) FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION private.take_provider_token_import(uuid, text) TO authenticated, service_role;
