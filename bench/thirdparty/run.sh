#!/usr/bin/env bash
# The third-party-app sequence of issue #15, many times in a row: a Python http.server app (keep-alive,
# backlog 4, no /live, readiness path only) under wrk -c8 through the router while Slipway rolls it
# 1.0.0 -> 2.0.0 (canary, promote), aborts a faulty 3.0.0 by analysis, and undoes to 1.0.0.
# Every run must end with 0 failed requests (3.0.0's own 500s while it held weight aside).
#
#   bench/thirdparty/run.sh [RUNS]          # default 20; about 1 minute per run
#
# Runs ThirdPartyAppEndToEndTest with -Dslipway.thirdparty.runs=RUNS (one JVM, the runs one after the
# other); needs wrk and python3 (Debian: apt-get install wrk python3). Prints the count of runs and
# the failed ones; the kept directories of failed runs (up-1.log, wrk.out, .slipway/logs) are named in
# cli/target/surefire-reports.
set -euo pipefail

RUNS="${1:-20}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO"

log="$(mktemp -t slipway-thirdparty.XXXXXX.log)"
status=0
mvn -B -pl cli -am verify -Dtest=ThirdPartyAppEndToEndTest -Dsurefire.failIfNoSpecifiedTests=false \
    -Dslipway.thirdparty.runs="$RUNS" >"$log" 2>&1 || status=$?

report="cli/target/surefire-reports/TEST-dev.slipway.cli.ThirdPartyAppEndToEndTest.xml"
if [[ ! -f "$report" ]]; then
  echo "no test report; the build failed before the test ran (log: $log)" >&2
  tail -n 40 "$log" >&2
  exit 1
fi
passed=$(grep -c '<testcase ' "$report" || true)
failed=$(grep -c '<failure\|<error' "$report" || true)
echo "runs: $RUNS, test cases reported: $passed, failed: $failed"
grep -o 'wrk through the router: {[^}]*}' "cli/target/surefire-reports/dev.slipway.cli.ThirdPartyAppEndToEndTest-output.txt" \
    | nl -w2 -s': ' || true
echo "maven log: $log"
exit "$status"
