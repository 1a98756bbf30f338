#!/usr/bin/env bash
# The browser for the dashboard's tests, run as root in CI before `mvn -B verify`. Idempotent.
# Debian's chromium and its chromedriver: the tests start them headless with a fresh profile and drive them
# with Selenium; nothing downloads a browser or a driver of its own. hyperfine is for bench/cli.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
if ((${#missing[@]} > 0)); then
  echo "browser: installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi
chromium --version
