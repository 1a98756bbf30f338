# Sourced by bench scripts: start_throwaway_up DIR starts `slipway up --no-apply` on a minimal spec with the
# embedded PostgreSQL in DIR/.slipway (127.0.0.1 only) and sets UP_PID, API_URL and API_TOKEN; stop_throwaway_up
# stops it. Callers trap EXIT to stop it.
start_throwaway_up() {
  local work="$1" repo
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  cat > "$work/slipway.yaml" <<YAML
service: bench
router: {listen: 127.0.0.1:0}
release:
  version: 1.0.0
  run: {command: [java, -version]}
  schema: 1
  strategy: {canary: {steps: [{setWeight: 100}]}}
YAML
  (cd "$work" && exec "$repo/slipway" up -f slipway.yaml --no-apply --state-dir "$work/.slipway" >"$work/up.log" 2>&1) &
  UP_PID=$!
  for _ in $(seq 1 120); do
    [[ -f "$work/.slipway/api.json" ]] && break
    kill -0 "$UP_PID" 2>/dev/null || { cat "$work/up.log" >&2; return 1; }
    sleep 0.5
  done
  API_URL="$(sed -n 's/.*"url" *: *"\([^"]*\)".*/\1/p' "$work/.slipway/api.json")"
  API_TOKEN="$(sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p' "$work/.slipway/api.json")"
}

stop_throwaway_up() {
  if [[ -n "${UP_PID:-}" ]] && kill -0 "$UP_PID" 2>/dev/null; then
    kill "$UP_PID"
    wait "$UP_PID" 2>/dev/null || true
  fi
}
