#!/usr/bin/env bash
# Tools for the analysis tests, run as root in CI before `mvn -B verify`. Idempotent.
# Installs Debian's prometheus: the tests start their own servers on 127.0.0.1:<free port> with temporary
# configurations, so the package's own service must not start (a policy-rc.d forbids it during the install).
set -euo pipefail

if command -v prometheus >/dev/null 2>&1; then
  echo "analysis-services: prometheus is installed"
  exit 0
fi
echo "analysis-services: installing prometheus"
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  created_policy=1
fi
trap 'if [[ $created_policy == 1 ]]; then rm -f "$policy"; fi' EXIT
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus
prometheus --version | head -1
