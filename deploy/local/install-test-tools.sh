#!/usr/bin/env bash
# Installs the tools the tests use from Debian's packages, if missing: promtool and the Prometheus server that
# DashboardIT starts (Debian 'prometheus'), the headless browser the flags-admin console's browser test drives
# (Debian 'chromium' and 'chromium-driver'), and for
# the fleet proof (deploy/local/fleet.sh) the load balancer (Debian 'haproxy') and a replica's skewed clock
# (Debian 'faketime'), 'openssl', which makes the TLS listener's test certificate, and for the container image's
# test (ImageIT) podman with runc, and debootstrap, which builds the image's Debian base (deploy/image/base.sh).
set -euo pipefail
need=()
{ command -v promtool >/dev/null 2>&1 && [ -x /usr/bin/prometheus ]; } || need+=(prometheus)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
[ -x /usr/sbin/haproxy ] || need+=(haproxy)
[ -f /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 ] || need+=(faketime)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v podman >/dev/null 2>&1 || need+=(podman)
command -v runc >/dev/null 2>&1 || [ -x /usr/sbin/runc ] || need+=(runc)
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing ${need[*]} (Debian packages)..."
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  # The packages start a Prometheus server and an HAProxy where they can; the tests start their own.
  for service in prometheus haproxy; do
    $sudo_cmd systemctl stop "$service" >/dev/null 2>&1 || $sudo_cmd service "$service" stop >/dev/null 2>&1 || true
  done
fi
# KubernetesManifestsIT renders deploy/kubernetes with kubectl's built-in kustomize (kubectl 1.27 or later, no cluster).
# Debian's kubernetes-client is 1.20, too old for those manifests, so it is not installed here.
if ! command -v kubectl >/dev/null 2>&1; then
  echo "kubectl not found: KubernetesManifestsIT will fail (expected: kubectl 1.27 or later on PATH)" >&2
fi
