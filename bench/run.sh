#!/usr/bin/env bash
# make bench: cold start, warm invoke and peak RSS of release-built functions, each as a ratio to
# a minimal C libcurl loop measured by the same harness in the same run (alternating rounds, so
# the machine's noise falls on both alike).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${BENCH_ROUNDS:-5}
cold=${BENCH_COLD_RUNS:-20}
warm=${BENCH_WARM_RUNS:-2000}

out=.build/bench
mkdir -p "$out"
echo "building release functions (static Swift stdlib)..." >&2
swift build -c release --static-swift-stdlib --product bench-noop >&2
swift build -c release --static-swift-stdlib --product health >&2
release=$(swift build -c release --static-swift-stdlib --show-bin-path)
cc -O2 -o "$out/harness" bench/harness.c
cc -O2 -o "$out/c-floor" bench/c-floor.c -lcurl
echo '{}' > "$out/empty.json"

results="$out/results.txt"
: > "$results"
for round in $(seq 1 "$rounds"); do
  echo "round $round/$rounds" >&2
  echo "c-floor $("$out/harness" "$cold" "$warm" "$out/empty.json" -- "$out/c-floor")" >> "$results"
  echo "swift-noop $("$out/harness" "$cold" "$warm" "$out/empty.json" -- "$release/bench-noop")" >> "$results"
  echo "health $("$out/harness" "$cold" "$warm" events/health.json -- "$release/health")" >> "$results"
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
print(f"{'process':<12} {'cold: exec→next':>17} {'cold: →response':>17} {'warm round trip':>17} {'peak RSS':>10}")
for name, m in med.items():
    def cell(key, unit, scale):
        ratio = "" if name == "c-floor" else f" ({m[key] / floor[key]:.2f}×)"
        return f"{m[key] / scale:.2f}{unit}{ratio}"
    print(f"{name:<12} {cell('cold_next_us', 'ms', 1000):>17} {cell('cold_response_us', 'ms', 1000):>17} "
          f"{cell('warm_roundtrip_us', 'µs', 1):>17} {m['peak_rss_kb'] / 1024:>8.1f}MB")
print("goals: cold start ≤ 1.5× the C floor, warm invoke ≤ 1.3×, peak RSS ≤ 20 MB")
PY

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
