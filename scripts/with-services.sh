#!/usr/bin/env bash
# Runs a command with the project's real services up, and stops them (by PID) when it ends:
#   a private PostgreSQL cluster under .local/ (as the `postgres` user: initdb and postgres refuse
#   to run as root), listening on 127.0.0.1 and a socket in .local/.
# --fresh gives the command a new, empty cluster (tests); without it the cluster persists (make run).
# Also moto's AWS API server (AWS_ENDPOINT_URL). Applies infra/migrations with the built `migrate`. Exports DATABASE_URL (role authenticator),
# MIGRATION_DATABASE_URL (the owner), PGHOST, PGPORT, PG_DATA_DIRECTORY, PG_BIN_DIRECTORY,
# PLATFORM_URL, PLATFORM_SIGNING_KEYS, PLATFORM_JWKS, SUPABASE_JWT_SECRET and
# VERIFICATION_CODE_KEY, EXTERNAL_ID_KEY, PROVIDER_TOKEN_KEYS, PROVIDER_TOKEN_IMPORT_KEY, TERRAFORM_STATE_KEYS (local keys made once under .local/secrets),
# TERRAFORM_PATH, GIT_PATH and TERRAFORM_PROVIDER_MIRROR (this machine's terraform and git, and where it keeps providers),
# PLATFORM_AWS_ACCOUNT_ID, CUSTOMER_ROLE_TEMPLATE_URL and CUSTOMER_PROVISIONER_ROLE_TEMPLATE_URL; from moto: AWS_ENDPOINT_URL, AWS_REGION,
# AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (the platform), PLATFORM_AWS_PRINCIPAL_ARN,
# CUSTOMER_AWS_ACCESS_KEY_ID / CUSTOMER_AWS_SECRET_ACCESS_KEY (a customer's administrator).
set -euo pipefail

fresh=0
if [ "${1:-}" = "--fresh" ]; then fresh=1; shift; fi
[ $# -gt 0 ] || { echo "usage: $0 [--fresh] COMMAND..." >&2; exit 2; }

project=$(cd "$(dirname "$0")/.." && pwd)
if [ $fresh -eq 1 ]; then cluster="$project/.local/postgres-test"; else cluster="$project/.local/postgres"; fi
data="$cluster/data"
sockets="$cluster/run"
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/postgres" ] || { echo "PostgreSQL server not found; run scripts/install-dependencies.sh" >&2; exit 1; }

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

mkdir -p "$project/.local"
if [ $fresh -eq 1 ]; then rm -rf "$cluster"; fi
mkdir -p "$cluster"
[ "$(id -u)" -ne 0 ] || chown postgres:postgres "$cluster"
if ! as_postgres test -w "$cluster"; then
  echo "the postgres user cannot write $cluster (is a parent folder closed to other users?)" >&2
  exit 1
fi
if [ ! -f "$data/PG_VERSION" ]; then
  as_postgres "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$cluster/initdb.log" 2>&1 \
    || { cat "$cluster/initdb.log" >&2; exit 1; }
fi
as_postgres mkdir -p "$sockets"

port=${PGPORT_OVERRIDE:-$(free_port)}
# The test suites run in parallel, each with a gateway whose function processes hold a connection
# each (as Lambda's would): 200 ran out once the CLI's suites joined (until #15's pooler).
settings=(-c "listen_addresses=127.0.0.1" -c "port=$port" -c "unix_socket_directories=$sockets" -c "max_connections=500")
# Test clusters are thrown away: durability costs time and buys nothing there.
[ $fresh -eq 0 ] || settings+=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)

postgres_pid=""
pgbouncer_pid=""
moto_pid=""
guardduty_pid=""
gcp_pid=""
stop_services() {
  for pid in $moto_pid $guardduty_pid $gcp_pid $pgbouncer_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid"
      wait "$pid" 2>/dev/null || true
    fi
  done
  # A test may have restarted the server: stop whichever postmaster holds the data folder now.
  [ -f "$data/postmaster.pid" ] && postgres_pid=$(head -n 1 "$data/postmaster.pid")
  if [ -n "$postgres_pid" ] && kill -0 "$postgres_pid" 2>/dev/null; then
    kill -INT "$postgres_pid"  # fast shutdown
    for _ in $(seq 1 100); do kill -0 "$postgres_pid" 2>/dev/null || break; sleep 0.1; done
  fi
}
trap stop_services EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

as_postgres "$bindir/pg_ctl" -D "$data" -l "$cluster/postgres.log" -o "${settings[*]}" -w -t 60 start >/dev/null \
  || { tail -n 20 "$cluster/postgres.log" >&2; exit 1; }
postgres_pid=$(head -n 1 "$data/postmaster.pid")

export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres
psql -X -q -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'platform'" | grep -q 1 \
  || psql -X -q -d postgres -c "CREATE DATABASE platform"
export PGDATABASE=platform

# Local key material, made once and kept under .local/: the platform's RS256 signing key and a
# GoTrue-style HS256 secret. Production reads both from its secret store.
secrets="$project/.local/secrets"
mkdir -p "$secrets"
chmod 700 "$secrets"
[ -f "$secrets/platform-signing-key.pem" ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$secrets/platform-signing-key.pem" 2>/dev/null
[ -f "$secrets/jwt-secret" ] || openssl rand -hex 32 > "$secrets/jwt-secret"
[ -f "$secrets/verification-code-key" ] || openssl rand -hex 32 > "$secrets/verification-code-key"
[ -f "$secrets/external-id-key" ] || openssl rand -hex 32 > "$secrets/external-id-key"
[ -f "$secrets/provider-token-key-1" ] || openssl rand -hex 32 > "$secrets/provider-token-key-1"
[ -f "$secrets/terraform-state-key-1" ] || openssl rand -hex 32 > "$secrets/terraform-state-key-1"
[ -f "$secrets/provider-token-import-key.pem" ] || openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out "$secrets/provider-token-import-key.pem" 2>/dev/null
export PLATFORM_URL="${PLATFORM_URL:-http://127.0.0.1:${GATEWAY_PORT:-3000}}"
PLATFORM_SIGNING_KEYS=$(python3 -c 'import json,sys; print(json.dumps([{"kid": "local-1", "private_key_pem": open(sys.argv[1]).read()}]))' "$secrets/platform-signing-key.pem")
export PLATFORM_SIGNING_KEYS
# The public half alone, for the functions that only verify platform tokens.
PLATFORM_JWKS=$(python3 -c 'import base64,json,sys; n=bytes.fromhex(sys.argv[1]); print(json.dumps({"keys": [{"kty": "RSA", "use": "sig", "alg": "RS256", "kid": "local-1", "n": base64.urlsafe_b64encode(n).rstrip(b"=").decode(), "e": "AQAB"}]}))' \
  "$(openssl rsa -in "$secrets/platform-signing-key.pem" -noout -modulus | cut -d= -f2)")
export PLATFORM_JWKS
VERIFICATION_CODE_KEY=$(cat "$secrets/verification-code-key")
export VERIFICATION_CODE_KEY
EXTERNAL_ID_KEY=$(cat "$secrets/external-id-key")
export EXTERNAL_ID_KEY
PROVIDER_TOKEN_KEYS="${PROVIDER_TOKEN_KEYS:-1:$(cat "$secrets/provider-token-key-1")}"
export PROVIDER_TOKEN_KEYS
TERRAFORM_STATE_KEYS="${TERRAFORM_STATE_KEYS:-1:$(cat "$secrets/terraform-state-key-1")}"
export TERRAFORM_STATE_KEYS
# Terraform runs use this machine's terraform (on Lambda, the layer's /opt/bin/terraform) and
# take providers from a filesystem mirror only (on Lambda, the layer's): this machine's, where one is installed.
if [ -z "${TERRAFORM_PATH:-}" ] && command -v terraform >/dev/null; then export TERRAFORM_PATH=$(command -v terraform); fi
if [ -z "${GIT_PATH:-}" ] && command -v git >/dev/null; then export GIT_PATH=$(command -v git); fi
if [ -z "${TERRAFORM_PROVIDER_MIRROR:-}" ]; then
  for candidate in "$HOME/.terraform.d/plugins" /opt/tf-plugins /usr/local/share/terraform/plugins /usr/share/terraform/plugins; do
    if [ -d "$candidate/registry.terraform.io" ]; then export TERRAFORM_PROVIDER_MIRROR=$candidate; break; fi
  done
fi
# Sign-in provider tokens are sealed in the database to this key's public half (migrate publishes it).
PROVIDER_TOKEN_IMPORT_KEY="${PROVIDER_TOKEN_IMPORT_KEY:-$(cat "$secrets/provider-token-import-key.pem")}"
export PROVIDER_TOKEN_IMPORT_KEY
# AWS onboarding: the platform's account (moto's) and where customers get the role template.
export PLATFORM_AWS_ACCOUNT_ID="${PLATFORM_AWS_ACCOUNT_ID:-123456789012}"
export CUSTOMER_ROLE_TEMPLATE_URL="${CUSTOMER_ROLE_TEMPLATE_URL:-file://$project/infra/customer-role.yaml}"
export CUSTOMER_PROVISIONER_ROLE_TEMPLATE_URL="${CUSTOMER_PROVISIONER_ROLE_TEMPLATE_URL:-file://$project/infra/customer-provisioner-role.yaml}"
SUPABASE_JWT_SECRET=$(cat "$secrets/jwt-secret")
export SUPABASE_JWT_SECRET

# The owner applies the schema; functions connect as `authenticator` and act through sessions.
export MIGRATION_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/platform"
"${PLATFORM_BIN_DIR:-$project/.build/debug}/migrate" --directory "$project/infra/migrations"
export DATABASE_URL="postgresql://authenticator@127.0.0.1:$port/platform"
export PG_DATA_DIRECTORY="$data" PG_BIN_DIRECTORY="$bindir"
echo "postgres ready on 127.0.0.1:$port (pid $postgres_pid, data $data)" >&2

# PgBouncer in transaction mode in front of it, as production puts a pooler (Supavisor, RDS Proxy,
# PgBouncer) between thousands of function instances and one Postgres. POOLED_DATABASE_URL
# reaches the same database through it; make test runs the data-layer and end-to-end suites
# both ways. Debian's pgbouncer refuses to run as root.
pgbouncer_bin=$(command -v pgbouncer || echo /usr/sbin/pgbouncer)
[ -x "$pgbouncer_bin" ] || { echo "pgbouncer not found; run scripts/install-dependencies.sh" >&2; exit 1; }
pgbouncer_port=$(free_port)
rm -f "$cluster/pgbouncer.pid"
cat > "$cluster/pgbouncer.ini" <<EOF
[databases]
platform = host=127.0.0.1 port=$port dbname=platform
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $pgbouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $cluster/pgbouncer-users.txt
pool_mode = transaction
max_client_conn = 4000
default_pool_size = 40
logfile = $cluster/pgbouncer.log
pidfile = $cluster/pgbouncer.pid
EOF
printf '"authenticator" ""\n"postgres" ""\n' > "$cluster/pgbouncer-users.txt"
[ "$(id -u)" -ne 0 ] || chown postgres:postgres "$cluster/pgbouncer.ini" "$cluster/pgbouncer-users.txt"
as_postgres "$pgbouncer_bin" -q -d "$cluster/pgbouncer.ini" || { tail -n 20 "$cluster/pgbouncer.log" >&2; exit 1; }
for _ in $(seq 1 100); do [ -s "$cluster/pgbouncer.pid" ] && break; sleep 0.05; done
pgbouncer_pid=$(cat "$cluster/pgbouncer.pid")
export POOLED_DATABASE_URL="postgresql://authenticator@127.0.0.1:$pgbouncer_port/platform?pool_mode=transaction"
echo "pgbouncer (transaction mode) ready on 127.0.0.1:$pgbouncer_port (pid $pgbouncer_pid)" >&2

# An AWS API peer for development and tests: moto's server on a free loopback port. The AWS
# clients find it through the standard AWS_ENDPOINT_URL; production leaves that unset.
start_moto() {  # PORT LOG [ENV...]: moto's server on loopback, its PID in $started_pid
  local port=$1 log=$2; shift 2
  env MOTO_IAM_LOAD_MANAGED_POLICIES=true "$@" python3 "$project/scripts/moto-server.py" -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
  started_pid=$!
  for _ in $(seq 1 100); do
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "http://127.0.0.1:$port/moto-api/" 2>/dev/null && return 0
    kill -0 "$started_pid" 2>/dev/null || { tail -n 20 "$log" >&2; exit 1; }
    sleep 0.1
  done
}
# AWS-managed policies (SecurityAudit, ViewOnlyAccess, ...) exist in moto only when it loads them.
moto_port=$(free_port)
start_moto "$moto_port" "$cluster/moto.log"
moto_pid=$started_pid
# moto cannot check signatures of GuardDuty's REST-JSON requests (AWS's own SDK fails there too),
# so GuardDuty alone is served by a second moto without IAM authorization.
guardduty_port=$(free_port)
start_moto "$guardduty_port" "$cluster/moto-guardduty.log"
guardduty_pid=$started_pid
export AWS_ENDPOINT_URL_GUARDDUTY="http://127.0.0.1:$guardduty_port"
export AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port"
export AWS_REGION="${AWS_REGION:-us-east-1}"
# moto's account 123456789012 plays both sides: the platform's base identity (AWS_ACCESS_KEY_ID,
# allowed nothing but sts:AssumeRole) and a customer's administrator (CUSTOMER_AWS_*). IAM
# authorization is on from here, so trust policies, external IDs and permissions are enforced.
identities=$(python3 "$project/scripts/moto-bootstrap.py" "$AWS_ENDPOINT_URL") || { tail -n 20 "$cluster/moto.log" >&2; exit 1; }
eval "$identities"
# The local customer account's side, for a newcomer's shell: `source .local/aws-customer.env`
# makes the AWS CLI act as the customer's administrator against the local emulator.
cat > "$project/.local/aws-customer.env" <<ENV
# The local AWS account's administrator (moto), as a customer would be: source this file.
export AWS_ENDPOINT_URL='$AWS_ENDPOINT_URL'
export AWS_ACCESS_KEY_ID='$CUSTOMER_AWS_ACCESS_KEY_ID'
export AWS_SECRET_ACCESS_KEY='$CUSTOMER_AWS_SECRET_ACCESS_KEY'
export AWS_REGION='$AWS_REGION' AWS_DEFAULT_REGION='$AWS_REGION'
# What infra/customer-role.yaml's PlatformPrincipalArn takes locally (the emulator matches it literally).
export PLATFORM_PRINCIPAL_ARN='$PLATFORM_AWS_PRINCIPAL_ARN'
ENV
echo "moto ready on $AWS_ENDPOINT_URL (pid $moto_pid)" >&2

# Google's STS, IAM Credentials and Resource Manager and Entra ID's token endpoint, as a local
# stand-in that verifies the platform's federation tokens against its published keys
# (scripts/federation-server.py). The clients find it through GCP_STS_URL and friends and
# AZURE_AUTHORITY_HOST; production leaves them unset.
gcp_port=$(free_port)
python3 "$project/scripts/federation-server.py" --port "$gcp_port" >"$cluster/gcp.log" 2>&1 &
gcp_pid=$!
for _ in $(seq 1 100); do
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "http://127.0.0.1:$gcp_port/_emulator/exchanges" 2>/dev/null && break
  kill -0 "$gcp_pid" 2>/dev/null || { tail -n 20 "$cluster/gcp.log" >&2; exit 1; }
  sleep 0.1
done
export FEDERATION_EMULATOR_URL="http://127.0.0.1:$gcp_port"
export GCP_STS_URL="$FEDERATION_EMULATOR_URL" GCP_IAM_CREDENTIALS_URL="$FEDERATION_EMULATOR_URL" GCP_RESOURCE_MANAGER_URL="$FEDERATION_EMULATOR_URL"
export AZURE_AUTHORITY_HOST="$FEDERATION_EMULATOR_URL"
cat > "$project/.local/federation-customer.env" <<ENV
# The local stand-in for Google and Entra ID (scripts/federation-server.py): its admin API plays a
# customer's GCP project and Azure tenant.
export FEDERATION_EMULATOR_URL='$FEDERATION_EMULATOR_URL'
ENV
echo "google/entra stand-in ready on $FEDERATION_EMULATOR_URL (pid $gcp_pid)" >&2


# Not exec: the trap must run after the command to stop the servers. In the background with
# `wait`, so that a TERM or INT sent to this script alone (a CI timeout, a supervisor) reaches the
# command at once and the servers are stopped after it, instead of after the command ends.
set +e
"$@" <&0 &
command_pid=$!
forward() { kill -"$1" "$command_pid" 2>/dev/null; wait "$command_pid" 2>/dev/null; exit "$2"; }
trap 'forward INT 130' INT
trap 'forward TERM 143' TERM
wait "$command_pid"
status=$?
exit $status
