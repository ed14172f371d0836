#!/usr/bin/env bash
# Builds every function of infra/template.yaml for Lambda (release, static Swift stdlib) and lays
# each out as .build/lambda/<function>/bootstrap (the template's CodeUri) plus a zip beside it.
# The binaries link Debian's libcurl/libpq dynamically: build on an image compatible with
# provided.al2023 (or bundle those libraries into the folder) before deploying.
set -euo pipefail
cd "$(dirname "$0")/.."

functions=$(sed -n 's#^ *CodeUri: \.\./\.build/lambda/\([a-z0-9-]*\)/\?$#\1#p' infra/template.yaml | sort -u)
[ -n "$functions" ] || { echo "no functions found in infra/template.yaml" >&2; exit 1; }
for function in $functions; do
  swift build -c release --static-swift-stdlib --product "$function"
done
release=$(swift build -c release --static-swift-stdlib --show-bin-path)
for function in $functions; do
  folder=".build/lambda/$function"
  rm -rf "$folder" "$folder.zip"
  mkdir -p "$folder"
  cp "$release/$function" "$folder/bootstrap"
  strip "$folder/bootstrap" 2>/dev/null || true
  (cd "$folder" && python3 -m zipfile -c "../$function.zip" bootstrap)
  echo "$folder.zip ($(du -h "$folder.zip" | cut -f1))"
done
