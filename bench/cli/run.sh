#!/usr/bin/env bash
# Start-up time of the quick commands, with hyperfine: `slipway --version` and `slipway status` through the
# launcher (lean path + AppCDS archive), against the full picocli path without the archive, and the API's own
# answer time (curl) for scale. Goal: <= 0.2 s each on an idle 2-core machine.
#
#   bench/cli/run.sh [--runs 30] [--warmup 5] [--keep]
#
# It builds what is missing (./slipway does), starts `slipway up --no-apply` on a throwaway spec with the embedded
# PostgreSQL in a temporary state directory (127.0.0.1 only), and stops it on exit.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
RUNS=30
WARMUP=5
KEEP=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
command -v hyperfine >/dev/null || { echo "hyperfine is needed (apt-get install hyperfine)" >&2; exit 1; }

source "$REPO/bench/throwaway-up.sh"
work="$(mktemp -d)"
cleanup() {
  stop_throwaway_up
  if [[ "$KEEP" == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM

"$REPO/slipway" --version >/dev/null   # builds, and makes the AppCDS archive
jar="$REPO/cli/target/slipway.jar"
start_throwaway_up "$work"
"$REPO/slipway" status --state-dir "$work/.slipway"

full=(java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$jar" dev.slipway.cli.SlipwayCommand)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-json "$work/hyperfine.json" \
  -n "slipway --version" "$REPO/slipway --version" \
  -n "slipway status" "$REPO/slipway status --state-dir $work/.slipway" \
  -n "full path --version (no lean path, no AppCDS)" "${full[*]} --version" \
  -n "full path status (no lean path, no AppCDS)" "${full[*]} status --state-dir $work/.slipway" \
  -n "the API alone (curl)" "curl -s -o /dev/null -H 'Authorization: Bearer $API_TOKEN' $API_URL/api/v1/status"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$work/hyperfine.json" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
print(f"{'command':50} {'median':>9} {'mean':>9} {'user':>8} {'sys':>7}")
for r in results:
    print(f"{r['command']:50} {r['median']*1000:8.0f}ms {r['mean']*1000:8.0f}ms {r['user']*1000:7.0f}ms {r['system']*1000:6.0f}ms")
PY
