#!/usr/bin/env bash
# Services for the image and runtime tests, run as root in CI before `mvn -B verify`. Idempotent.
# Installs Debian's docker.io (engine) and docker-registry (tests start their own registries on
# 127.0.0.1:<free port>), and starts dockerd without iptables or a bridge when no engine answers:
# containers use --network host, so all traffic stays on loopback. The engine is made a single-node
# swarm manager advertised on 127.0.0.1 (the swarm runtime's tests), unless it is in a swarm already.
# iproute2 and util-linux (ip netns, nsenter, unshare) let the multi-node swarm test put more engines
# in network namespaces of their own.
set -euo pipefail

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v nsenter >/dev/null 2>&1 || missing+=(util-linux)
if ((${#missing[@]} > 0)); then
  echo "image-services: installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

start_engine() {
  local log=/tmp/slipway-dockerd.log
  echo "image-services: starting dockerd (log: $log)"
  setsid nohup dockerd --iptables=false --bridge=none >"$log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then
      echo "image-services: Docker engine ready"
      return 0
    fi
    sleep 1
  done
  echo "image-services: dockerd did not answer within 60 s; last lines of $log:" >&2
  tail -n 30 "$log" >&2 || true
  return 1
}

if docker info >/dev/null 2>&1; then
  echo "image-services: a Docker engine already answers"
else
  start_engine
fi

swarm=$(docker info --format '{{.Swarm.LocalNodeState}}')
if [ "$swarm" = inactive ]; then
  docker swarm init --advertise-addr 127.0.0.1 >/dev/null
  echo "image-services: the engine is now a single-node swarm manager (127.0.0.1)"
else
  echo "image-services: the engine's swarm is $swarm; left as it is"
fi
