#!/usr/bin/env bash
# Property-based fuzzing of the whole HTTP API against its OpenAPI document (infra/openapi.yaml):
# schemathesis sends valid and invalid requests to every operation through the local gateway
# (every function, the real database and moto) as a signed-in user who owns a workspace, and
# fails on any response >= 500 or any response that does not match the document. The seed and
# the number of examples per operation are fixed, so a run is repeatable.
# Needs the services of scripts/with-services.sh; scripts/test.sh runs it.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${PLATFORM_BIN_DIR:-.build/debug}
seed=${API_FUZZ_SEED:-20261128}
examples=${API_FUZZ_EXAMPLES:-25}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# A user as GoTrue makes them, with a workspace of their own, so requests get past sign-in.
user=$(python3 -c 'import uuid; print(uuid.uuid4())')
workspace=$(python3 -c 'import uuid; print(uuid.uuid4())')
psql -X -q -v ON_ERROR_STOP=1 "$MIGRATION_DATABASE_URL" <<SQL
INSERT INTO auth.users (id, email) VALUES ('$user', 'fuzz-$user@example.test');
INSERT INTO public.organizations (id, name, created_by) VALUES ('$workspace', 'fuzz', '$user');
INSERT INTO public.memberships (organization_id, user_id, role) VALUES ('$workspace', '$user', 'owner');
SQL
token=$(python3 - "$user" <<'PY'
import os, sys, time
from joserfc import jwt
from joserfc.jwk import OctKey
now = int(time.time())
claims = {"sub": sys.argv[1], "role": "authenticated", "aud": "authenticated", "iat": now, "exp": now + 3600}
print(jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(os.environ["SUPABASE_JWT_SECRET"])))
PY
)

GATEWAY_CONCURRENCY=2 "$bin/gateway" --template infra/template.yaml --port "$port" --build-directory "$bin" >"${TMPDIR:-/tmp}/api-fuzz-gateway.log" 2>&1 &
gateway_pid=$!
# The suites that act on the whole database run after this one: leave nothing of the fuzzing user behind.
cleanup() {
  kill "$gateway_pid" 2>/dev/null; wait "$gateway_pid" 2>/dev/null || true
  psql -X -q -v ON_ERROR_STOP=1 "$MIGRATION_DATABASE_URL" -c "DELETE FROM public.organizations WHERE id = '$workspace'" \
    -c "DELETE FROM auth.users WHERE id = '$user'" >/dev/null
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break
  kill -0 "$gateway_pid" 2>/dev/null || { tail -n 20 "${TMPDIR:-/tmp}/api-fuzz-gateway.log" >&2; exit 1; }
  sleep 0.1
done

FUZZ_WORKSPACE=$workspace schemathesis --config-file Tests/Support/api-fuzz/schemathesis.toml run infra/openapi.yaml --url "http://127.0.0.1:$port" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
  --mode all --seed "$seed" --max-examples "$examples" --workers 1 --request-timeout 30 \
  --suppress-health-check all --no-color "$@"
