#!/usr/bin/env sh
# An AWS `credential_process` for a connected cloud identity:
#   credential_process = /path/to/aws-credential-process.sh <cloud identity id>
# ZCP_URL is the platform's base URL; ZCP_TOKEN an access token (the CLI's, or a web session's).
# Prints the platform's answer — the Version 1 JSON the AWS CLI and SDKs read — and fails with
# the platform's error on stderr otherwise.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 CLOUD_IDENTITY_ID" >&2; exit 2; }
exec python3 - "$1" <<'PY'
import os, sys, urllib.error, urllib.request
url = f"{os.environ.get('ZCP_URL', 'http://127.0.0.1:3000')}/api/cloud-identities/{sys.argv[1]}/credentials"
request = urllib.request.Request(url, data=b"", method="POST", headers={"Authorization": "Bearer " + os.environ["ZCP_TOKEN"]})
try:
    sys.stdout.write(urllib.request.urlopen(request, timeout=30).read().decode())
except urllib.error.HTTPError as error:
    sys.stderr.write(f"{error.code}: {error.read().decode()}\n")
    sys.exit(1)
PY
