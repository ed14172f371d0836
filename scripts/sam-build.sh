#!/usr/bin/env bash
# `sam build` of infra/template.yaml as a deployer runs it, without Docker: the SAM CLI (installed
# by scripts/install-dependencies.sh into .local/sam-cli) runs `make build-<LogicalId>` in the
# project folder for each function (infra/samconfig.toml: build in source). Artifacts go to
# .build/sam/<LogicalId>/ and the built template to .build/sam/template.yaml, ready for
# `sam deploy --template-file .build/sam/template.yaml`.
#
#   scripts/sam-build.sh [LogicalId]      one function, or every function
set -euo pipefail
cd "$(dirname "$0")/.."
sam=.local/sam-cli/bin/sam
[ -x "$sam" ] || scripts/install-dependencies.sh
cd infra
SAM_CLI_TELEMETRY=0 "../$sam" build --template-file template.yaml --build-dir ../.build/sam --config-file samconfig.toml "$@"
