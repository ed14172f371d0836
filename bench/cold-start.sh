#!/usr/bin/env bash
# The cold-start part of make bench (run by bench/run.sh inside scripts/with-services.sh, so a
# database function's init can connect). Each process is started by bench/harness.c; a bundle
# runs as on Lambda: its folder at /var/task (a private mount namespace with a tmpfs /var), its
# bootstrap started through the loader it carries.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${BENCH_ROUNDS:-5}
cold=${BENCH_COLD_RUNS:-20}
warm=${BENCH_WARM_RUNS:-2000}
out=.build/bench
release=$(swift build -c release --static-swift-stdlib --show-bin-path)
export SCAN_DISPATCH_LIMIT=0 PROVIDER_TOKEN_REFRESH_BATCH=0

harness() { "$out/harness" "$cold" "$warm" "$@"; }
# NAME BUNDLE EVENT: the bundle's bootstrap at /var/task, as Lambda starts it.
bundled() {
  local name=$1 bundle=$2 event=$3
  unshare --mount --propagation private sh -c 'mount -t tmpfs tmpfs /var && mkdir /var/task && mount --bind "$0" /var/task && shift && exec "$@"' \
    "$(pwd)/$bundle" x "$out/harness" "$cold" "$warm" "$event" -- /var/task/bootstrap
}

results="$out/results.txt"
: > "$results"
for round in $(seq 1 "$rounds"); do
  echo "round $round/$rounds" >&2
  echo "c-floor $(harness "$out/empty.json" -- "$out/c-floor")" >> "$results"
  echo "swift-noop $(harness "$out/empty.json" -- "$release/bench-noop")" >> "$results"
  echo "health $(harness events/health.json -- "$release/health")" >> "$results"
  echo "health-zip $(bundled health .build/lambda/health events/health.json)" >> "$results"
  echo "cli-sessions-zip $(bundled cli-sessions .build/lambda/cli-sessions events/cli-sessions.json)" >> "$results"
  echo "assume-role-zip $(bundled assume-role .build/lambda/assume-role events/assume-role.json)" >> "$results"
  # As deployed: through the transaction-mode pooler, where a connect is a handshake, not a new backend.
  echo "cli-sessions-zip-pooled $(DATABASE_URL=$POOLED_DATABASE_URL bundled cli-sessions .build/lambda/cli-sessions events/cli-sessions.json)" >> "$results"
  echo "assume-role-zip-pooled $(DATABASE_URL=$POOLED_DATABASE_URL bundled assume-role .build/lambda/assume-role events/assume-role.json)" >> "$results"
done

python3 - "$results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, *pairs = line.split()
    values = dict(pair.split("=") for pair in pairs)
    for key, value in values.items():
        rows.setdefault(name, {}).setdefault(key, []).append(int(value))
med = {name: {key: statistics.median(v) for key, v in metrics.items()} for name, metrics in rows.items()}
floor = med["c-floor"]
print(f"{'process':<24} {'cold: exec→next':>17} {'cold: →response':>17} {'warm round trip':>17} {'peak RSS':>10}")
for name, m in med.items():
    def cell(key, unit, scale):
        ratio = "" if name == "c-floor" else f" ({m[key] / floor[key]:.2f}×)"
        return f"{m[key] / scale:.2f}{unit}{ratio}"
    print(f"{name:<24} {cell('cold_next_us', 'ms', 1000):>17} {cell('cold_response_us', 'ms', 1000):>17} "
          f"{cell('warm_roundtrip_us', 'µs', 1):>17} {m['peak_rss_kb'] / 1024:>8.1f}MB")
print("c-floor: a C loop linking libpq and libcurl. *-zip: the Lambda bundle as provided.al2023 starts it.")
print("*-pooled: DATABASE_URL through PgBouncer (transaction mode), as deployed; the others connect straight to Postgres.")
print("goals: cold start ≤ 0.6× the floor without outbound HTTP (noop, health), ≤ 1.0× with it or a database")
print("       (cli-sessions, assume-role: their init connects to Postgres); warm ≤ 1.1×; health's peak RSS ≤ 15 MB")
PY
