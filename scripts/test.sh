#!/usr/bin/env bash
# Every test, with the services that scripts/with-services.sh started.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cfn-lint: the CloudFormation / SAM templates" >&2
cfn-lint infra/template.yaml infra/customer-role.yaml infra/customer-provisioner-role.yaml

echo "== the template through SAM's translator and into moto's CloudFormation" >&2
scripts/deploy-template-to-moto.py

echo "== sam build (makefile, no Docker) of one function, and its bundle checked" >&2
scripts/sam-build.sh HealthFunction
scripts/check-lambda-bundle.py .build/sam/HealthFunction

echo "== the Lambda bundles: glibc and library check" >&2
scripts/check-lambda-bundle.py "$PLATFORM_LAMBDA_BUNDLES"/*/

echo "== swift test" >&2
PLATFORM_BIN_DIR=$(swift build --show-bin-path) swift test --skip-build 2>&1

echo "== swift test through PgBouncer (transaction mode): the data layer and the end-to-end suites" >&2
# The same suites again with every function and test connection going through the pooler (the
# README walkthrough, whose role and stack names are fixed, runs once, above).
DATABASE_URL=$POOLED_DATABASE_URL PLATFORM_BIN_DIR=$(swift build --show-bin-path) swift test --skip-build \
  --filter 'DatabaseTests|EndToEndTests' --skip 'LambdaBundleTests|WalkthroughTests' 2>&1

echo "== schemathesis: the HTTP API against infra/openapi.yaml (fixed seed)" >&2
PLATFORM_BIN_DIR=$(swift build --show-bin-path) scripts/api-fuzz.sh

# Alone, one at a time, the suites that act on the whole database.
echo "== swift test: the scan dispatcher (every identity in the database)" >&2
PLATFORM_WHOLE_DATABASE_TESTS=1 PLATFORM_BIN_DIR=$(swift build --show-bin-path) swift test --skip-build --filter ScanDispatchTests 2>&1
echo "== swift test: the provider token refresher (every token in the database)" >&2
PLATFORM_WHOLE_DATABASE_TESTS=1 PLATFORM_BIN_DIR=$(swift build --show-bin-path) swift test --skip-build --filter ProviderTokenRefreshTests 2>&1
echo "== swift test: reconnect after a Postgres restart" >&2
PLATFORM_WHOLE_DATABASE_TESTS=1 PLATFORM_BIN_DIR=$(swift build --show-bin-path) swift test --skip-build --filter ReconnectTests 2>&1
