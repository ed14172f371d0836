#!/usr/bin/env bash
# make bench: cold start, warm invoke and peak RSS of release-built functions, each as a ratio to
# a minimal C loop linking libpq and libcurl, measured by the same harness in the same run
# (alternating rounds, so the machine's noise falls on both alike); the Lambda zips' sizes; then
# the database, refresh and scan benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."

out=.build/bench
mkdir -p "$out"
echo "packaging the Lambda bundles (release, static Swift stdlib)..." >&2
infra/package.sh >&2
swift build -c release --static-swift-stdlib --product bench-noop >&2
cc -O2 -o "$out/harness" bench/harness.c
# The floor links both libraries a platform function may need, and loads them (no --as-needed).
cc -O2 -o "$out/c-floor" bench/c-floor.c -Wl,--no-as-needed -lpq -lcurl
echo '{}' > "$out/empty.json"

echo >&2
echo "cold start, warm invoke, peak RSS (a database function's init connects, so Postgres runs)..." >&2
swift build --product migrate >&2
scripts/with-services.sh --fresh bench/cold-start.sh

echo >&2
echo "Lambda zip sizes (what provided.al2023 downloads and unpacks at a cold start):" >&2
for zip in .build/lambda/*.zip; do
  printf '  %-24s %6d KiB\n' "$(basename "$zip" .zip)" "$(du -k "$zip" | cut -f1)"
done

echo >&2
echo "database: user-scoped statements against the same statements bare (release build)..." >&2
swift build -c release --product bench-database >&2
swift build -c release --product migrate >&2
PLATFORM_BIN_DIR="$(swift build -c release --show-bin-path)" scripts/with-services.sh --fresh "$(swift build -c release --show-bin-path)/bench-database"

echo >&2
echo "cli-refresh through the gateway (release functions, one process each)..." >&2
for function in $(scripts/template-functions.sh | cut -f2 | sort -u) bench-cli-refresh; do
  swift build -c release --static-swift-stdlib --product "$function" >&2
done
swift build --product gateway >&2
PLATFORM_BIN_DIR="$(swift build -c release --show-bin-path)" scripts/with-services.sh --fresh \
  "$(swift build -c release --static-swift-stdlib --show-bin-path)/bench-cli-refresh" \
  "$(swift build -c release --static-swift-stdlib --show-bin-path)" "$(swift build --show-bin-path)/gateway"

echo >&2
echo "scan: a large seeded account in moto, scanned as run-scan does, against the same calls back to back (release build)..." >&2
swift build -c release --product bench-scan >&2
PLATFORM_BIN_DIR="$(swift build -c release --show-bin-path)" scripts/with-services.sh --fresh "$(swift build -c release --show-bin-path)/bench-scan"
