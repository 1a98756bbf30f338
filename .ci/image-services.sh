#!/usr/bin/env bash
# Services for the image module's tests, run as root in CI before `mvn -B verify`. Idempotent.
# Installs Debian's docker.io (engine) and docker-registry (tests start their own registries on
# 127.0.0.1:<free port>), and starts dockerd without iptables or a bridge when no engine answers:
# containers use --network host, so all traffic stays on loopback.
set -euo pipefail

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
if ((${#missing[@]} > 0)); then
  echo "image-services: installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

if docker info >/dev/null 2>&1; then
  echo "image-services: a Docker engine already answers"
  exit 0
fi

log=/tmp/slipway-dockerd.log
echo "image-services: starting dockerd (log: $log)"
setsid nohup dockerd --iptables=false --bridge=none >"$log" 2>&1 </dev/null &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "image-services: Docker engine ready"
    exit 0
  fi
  sleep 1
done
echo "image-services: dockerd did not answer within 60 s; last lines of $log:" >&2
tail -n 30 "$log" >&2 || true
exit 1
