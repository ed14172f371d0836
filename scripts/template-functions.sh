#!/usr/bin/env bash
# The functions of a SAM template (default infra/template.yaml), one per line: LogicalId, a tab,
# and the executable its Handler names.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - "${1:-infra/template.yaml}" <<'PY'
import sys, yaml

class Loader(yaml.SafeLoader):
    pass
# CloudFormation's short forms (!Ref, !Sub, ...) are values here, not Python objects.
Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
template = yaml.load(open(sys.argv[1]), Loader=Loader)
default = ((template.get("Globals") or {}).get("Function") or {}).get("Handler")
for logical_id, resource in template["Resources"].items():
    if resource.get("Type") == "AWS::Serverless::Function":
        properties = resource.get("Properties") or {}
        handler = properties.get("Handler", default)
        if not handler or handler == "bootstrap":
            handler = str(properties.get("CodeUri", "")).rstrip("/").split("/")[-1]
        print(f"{logical_id}\t{handler}")
PY
