#!/usr/bin/env bash
# Installs what the build and the tests need and this machine lacks: Debian packages (libpq,
# libcurl, OpenSSL and zlib headers, the PostgreSQL server) and PyPI tools (moto's AWS API server,
# cfn-lint, joserfc, schemathesis). Does nothing, and asks no registry, when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."

# patchelf: a Lambda bundle's bootstrap starts through the loader shipped beside it (infra/package.sh).
# pgbouncer: the data layer is also tested through a transaction-mode pooler.
# tmux and git: the CLI's tests type into a terminal and clone through its git credential helper;
# dbus-daemon, gnome-keyring and libsecret-tools: they store its login in a real Secret Service.
debian_packages=(libpq-dev libcurl4-openssl-dev libssl-dev postgresql pkg-config openssl curl chromium chromium-driver tmux git
  dbus-daemon gnome-keyring libsecret-tools patchelf pgbouncer zlib1g-dev)
missing=()
for package in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

python_missing=()
python3 -c 'import moto.server, flask_cors' 2>/dev/null || python_missing+=("moto[server]")
command -v cfn-lint >/dev/null 2>&1 || python_missing+=("cfn-lint")
# A strict JOSE library: the tests verify platform tokens as third parties do.
python3 -c 'import joserfc' 2>/dev/null || python_missing+=("joserfc")
# Fuzzes the HTTP API against infra/openapi.yaml.
command -v schemathesis >/dev/null 2>&1 || python_missing+=("schemathesis")
# The README's walkthrough uses the AWS CLI as a customer would; the CLI's tests use it and boto3.
command -v aws >/dev/null 2>&1 || python_missing+=("awscli")
python3 -c 'import boto3' 2>/dev/null || python_missing+=("boto3")
# SAM's own translator validates infra/template.yaml; the SAM CLI builds it with `sam build`.
python3 -c 'import samtranslator' 2>/dev/null || python_missing+=("aws-sam-translator")
# Google's own client library, as a GCP runner would use the platform's token endpoint.
python3 -c 'import google.auth, requests' 2>/dev/null || python_missing+=("google-auth" "requests")
# Drives headless Chromium through the CLI approval page.
python3 -c 'import selenium' 2>/dev/null || python_missing+=("selenium")
if [ ${#python_missing[@]} -gt 0 ]; then
  echo "installing PyPI packages: ${python_missing[*]}" >&2
  python3 -m pip install --quiet --disable-pip-version-check "${python_missing[@]}"
fi

# The SAM CLI pins its own botocore, cfn-lint and cryptography, which would break the AWS CLI and
# moto beside it: it lives in a virtual environment of its own under .local/.
sam_cli=".local/sam-cli"
if [ ! -x "$sam_cli/bin/sam" ]; then
  echo "installing the SAM CLI into $sam_cli" >&2
  python3 -m venv "$sam_cli"
  "$sam_cli/bin/python" -m pip install --quiet --disable-pip-version-check aws-sam-cli
fi
