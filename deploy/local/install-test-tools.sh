#!/usr/bin/env bash
# Installs the tools the tests use from Debian's packages, if missing: promtool (Debian 'prometheus'), and the
# headless browser the flags-admin console's browser test drives (Debian 'chromium' and 'chromium-driver').
set -euo pipefail
need=()
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing ${need[*]} (Debian packages)..."
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # The package starts a Prometheus server where it can; the tests need only its tools.
  $sudo_cmd systemctl stop prometheus >/dev/null 2>&1 || $sudo_cmd service prometheus stop >/dev/null 2>&1 || true
fi
