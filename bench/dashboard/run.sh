#!/usr/bin/env bash
# What the dashboard costs the controller: requests/s its API serves (wrk, bearer token) for the status, the
# dashboard snapshot and a static asset, and the controller's CPU while idle with no dashboard open and with one
# open (one server-sent events stream). A throwaway `slipway up --no-apply` with the embedded PostgreSQL.
#
#   bench/dashboard/run.sh [--duration 10s] [--connections 8] [--idle 30] [--keep]
#
# Everything talks to 127.0.0.1 only; every process started here is stopped on exit.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
DURATION=10s
CONNECTIONS=8
IDLE=30
KEEP=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --idle) IDLE="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
for tool in wrk curl; do command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install $tool)" >&2; exit 1; }; done

source "$REPO/bench/throwaway-up.sh"
work="$(mktemp -d)"
stream_pid=""
cleanup() {
  [[ -n "$stream_pid" ]] && kill "$stream_pid" 2>/dev/null || true
  stop_throwaway_up
  if [[ "$KEEP" == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT INT TERM

"$REPO/slipway" --version >/dev/null
start_throwaway_up "$work"
echo "controller pid $UP_PID, API $API_URL; load average $(cut -d' ' -f1-3 /proc/loadavg)"

# CPU seconds (user + system) the controller used over $IDLE seconds
cpu_over_idle() {
  local ticks_per_second before after
  ticks_per_second="$(getconf CLK_TCK)"
  before="$(awk '{print $14 + $15}' "/proc/$UP_PID/stat")"
  sleep "$IDLE"
  after="$(awk '{print $14 + $15}' "/proc/$UP_PID/stat")"
  awk -v t="$((after - before))" -v hz="$ticks_per_second" -v s="$IDLE" \
    'BEGIN { printf "%.3f CPU-s in %d s = %.2f %% of one core\n", t / hz, s, 100 * t / hz / s }'
}

sleep 5 # let start-up settle
echo "idle, no dashboard open:  $(cpu_over_idle)"

link="$("$REPO/slipway" dashboard --state-dir "$work/.slipway")"
cookie="$(curl -s -o /dev/null -D - "$link" | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\);.*/\1/p')"
curl -s -N -H "Cookie: $cookie" "$API_URL/api/v1/dashboard/events" >"$work/events.txt" &
stream_pid=$!
sleep 3
echo "idle, one dashboard open: $(cpu_over_idle) ($(grep -c '^event: status' "$work/events.txt") snapshots sent)"
kill "$stream_pid"; stream_pid=""

for path in /api/v1/status /api/v1/dashboard/snapshot; do
  echo "--- wrk GET $path ($CONNECTIONS connections, $DURATION)"
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -H "Authorization: Bearer $API_TOKEN" "$API_URL$path" | grep -E "Requests/sec|Latency|Non-2xx"
done
echo "--- wrk GET /dashboard/app.js (session cookie)"
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -H "Cookie: $cookie" "$API_URL/dashboard/app.js" | grep -E "Requests/sec|Latency|Non-2xx"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
