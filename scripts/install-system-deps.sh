#!/usr/bin/env bash
# Installs the Debian packages the tests need: Chromium (E2E driver), python3-sklearn (only to regenerate
# numeric fixtures), and the headers code-server's native modules build against.
set -euo pipefail
need=()
for pkg in chromium libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ "${MIXOPT_WITH_SKLEARN:-0}" = 1 ]; then
  dpkg -s python3-sklearn >/dev/null 2>&1 || need+=(python3-sklearn)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "[system-deps] installing: ${need[*]}"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "[system-deps] ok"
