#!/usr/bin/env bash
# Tools the end-to-end tests drive, installed from Debian when missing (run as root in CI before
# `mvn -B verify`). Idempotent. wrk loads the router; python3 runs the third-party app of
# ThirdPartyAppEndToEndTest; postgresql-client gives pg_dump and psql (backups, local logins).
set -euo pipefail

missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v pg_dump >/dev/null 2>&1 || missing+=(postgresql-client)
if ((${#missing[@]} > 0)); then
  echo "test-tools: installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
