#!/usr/bin/env bash
# `make run`'s command inside scripts/with-services.sh: serves every function through the local
# gateway and, once it answers, prints where to go next. Ctrl-C (or TERM) stops the gateway, and
# with-services then stops the servers.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${GATEWAY_PORT:-3000}
# Locally a scan reads the two regions the emulator is seeded in, not every region AWS has.
export SCAN_REGIONS=${SCAN_REGIONS:-us-east-1,eu-west-1}
# The local sign-in (/dev/sign-in): development only, never in the deployment template.
export PLATFORM_DEV_SIGN_IN=1

.build/debug/gateway --template infra/template.yaml --port "$port" &
gateway=$!
# TERM to the gateway either way: a job started with & in a script ignores SIGINT (POSIX).
trap 'kill -TERM "$gateway" 2>/dev/null; wait "$gateway" 2>/dev/null; exit 130' INT
trap 'kill -TERM "$gateway" 2>/dev/null; wait "$gateway" 2>/dev/null; exit 143' TERM
for _ in $(seq 1 200); do
  curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break
  kill -0 "$gateway" 2>/dev/null || { wait "$gateway"; exit $?; }
  sleep 0.1
done

# Worked out before the text: a quote inside ${…:-…} in a here-document is not what it seems to bash.
terraform_here=${TERRAFORM_PATH:-not found}
mirror_here=${TERRAFORM_PROVIDER_MIRROR:-"no mirror (runs can use only Terraform's built-in providers)"}

cat >&2 <<TEXT

The platform is up on http://127.0.0.1:$port (every function, a private Postgres, a local AWS).

  curl http://127.0.0.1:$port/api/health

Sign in locally (any email; a local user is made for it) and create a workspace:
  TOKEN=\$(curl -s -X POST http://127.0.0.1:$port/dev/sign-in -d '{"email":"ada@example.test"}' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  curl -s -X POST http://127.0.0.1:$port/api/workspaces -H "Authorization: Bearer \$TOKEN" -d '{"name":"Acme"}'
  curl -s "http://127.0.0.1:$port/api/aws/external-id?organization_id=<workspace id>" -H "Authorization: Bearer \$TOKEN"

The local AWS account, as its administrator (a customer would be):
  source .local/aws-customer.env      # AWS_ENDPOINT_URL, the customer's keys, PLATFORM_PRINCIPAL_ARN
  aws iam list-roles --query 'Roles[].Arn'

Deploy the customer role with the workspace's external ID (GET /api/aws/external-id):
  aws cloudformation create-stack --stack-name platform-access --capabilities CAPABILITY_NAMED_IAM \\
    --template-body file://infra/customer-role.yaml --parameters ParameterKey=ExternalId,ParameterValue=<external id> \\
    ParameterKey=PlatformAccountId,ParameterValue=123456789012 ParameterKey=PlatformPrincipalArn,ParameterValue=\$PLATFORM_PRINCIPAL_ARN

  # the local emulator ignores a stack's ManagedPolicyArns: attach them yourself
  aws iam attach-role-policy --role-name ZeroCredentialPlatformReadOnly --policy-arn arn:aws:iam::aws:policy/SecurityAudit
  aws iam attach-role-policy --role-name ZeroCredentialPlatformReadOnly --policy-arn arn:aws:iam::aws:policy/job-function/ViewOnlyAccess

Connect it (POST /api/cloud-identities) and scan it (POST /api/cloud-identities/<id>/scans).
Scans read $SCAN_REGIONS here (SCAN_REGIONS).

GCP and Azure: a local stand-in for Google's STS and IAM Credentials and for Entra ID checks the platform's tokens
against http://127.0.0.1:$port/.well-known/jwks.json; its admin API plays the customer's project and tenant:
  source .local/federation-customer.env      # FEDERATION_EMULATOR_URL
  (GET /api/gcp/workload-identity or /api/azure/federated-credential, then POST /api/cloud-identities
   {"provider":"gcp" or "azure", ...}: see the README)

Provisioning: deploy infra/customer-provisioner-role.yaml with the workspace's provisioning external ID
(GET /api/aws/external-id?organization_id=<id>&purpose=provision), connect it with "purpose":"provision",
then POST /api/cloud-identities/<id>/runs {"command":"plan"|"apply"|"destroy","source":{"archive":"\$(tar czf - -C <folder> . | base64 -w0)"}}
and follow GET /api/runs/<run id> and /log. Terraform here: $terraform_here, providers from
$mirror_here.

The command-line client (built with the rest): log in through the browser, then use it as a tool would:
  .build/debug/zcp login --api-url http://127.0.0.1:$port
  .build/debug/zcp identities; .build/debug/zcp exec --identity <name> -- aws sts get-caller-identity

The API, every route: infra/openapi.yaml. The README walks through the rest. Ctrl-C stops everything.
TEXT
wait "$gateway"
