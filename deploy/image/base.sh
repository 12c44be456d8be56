#!/usr/bin/env bash
# Builds the base image Ferry's image is layered on, from Debian packages alone (no registry): Debian 12 (bookworm,
# minbase) with Debian's OpenJDK 17 JRE, saved as a docker-archive that Jib reads with -Djib.from.image=tar://...
# (docs/deploy.md). Prints the archive's path. Cached: does nothing when the archive exists and is newer than this
# script (delete it, or edit this script, to build it again).
#
# Installs debootstrap, podman and runc (Debian packages) when missing; the chroot needs root or sudo.
#
# Environment (deliberately not FERRY_*: the router reads every FERRY_* variable as its configuration):
#   BASE_MIRROR   Debian mirror (default http://deb.debian.org/debian; security updates from deb.debian.org too)
#   BASE_ARCHIVE  where the archive is written (default target/image/ferry-base-jre17.tar at the repository's root)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
SCRIPT="$ROOT/deploy/image/base.sh"
ARCHIVE="${BASE_ARCHIVE:-$ROOT/target/image/ferry-base-jre17.tar}"
MIRROR="${BASE_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm
TAG=localhost/ferry-base:jre17
JAVA_HOME_IN_IMAGE=/usr/lib/jvm/java-17-openjdk-amd64
# crun fails on some hosts' cgroup layouts; the project's containers.conf picks runc and ulimits a host allows.
export CONTAINERS_CONF="${CONTAINERS_CONF:-$ROOT/deploy/image/containers.conf}"

say() { echo "base.sh: $*" >&2; }
die() {
  say "error: $*"
  exit 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "'$*' needs root, and sudo is not installed"
  fi
}

ensure_tools() {
  local need=()
  command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || need+=(debootstrap)
  command -v podman >/dev/null 2>&1 || need+=(podman)
  command -v runc >/dev/null 2>&1 || [ -x /usr/sbin/runc ] || need+=(runc)
  if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]} (Debian packages)..."
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
}

if [ -f "$ARCHIVE" ] && [ "$ARCHIVE" -nt "$SCRIPT" ]; then
  echo "$ARCHIVE"
  exit 0
fi

ensure_tools
mkdir -p "$(dirname "$ARCHIVE")"
ROOTFS="$(mktemp -d "$(dirname "$ARCHIVE")/rootfs.XXXXXX")"
# It becomes the image's /: mktemp's 700 would lock every user but root out of the whole file system.
chmod 755 "$ROOTFS"
cleanup() {
  as_root umount "$ROOTFS/proc" 2>/dev/null || true
  as_root rm -rf "$ROOTFS"
}
trap cleanup EXIT

started=$SECONDS
say "debootstrap $SUITE (minbase) from $MIRROR..."
as_root debootstrap --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR" >"$ROOTFS.log" 2>&1 ||
  die "debootstrap failed; its log: $ROOTFS.log"
# Security and point-release updates, so the JRE is Debian's current one, not the release's.
as_root tee "$ROOTFS/etc/apt/sources.list" >/dev/null <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
EOF
say "installing openjdk-17-jre-headless in it..."
as_root mount -t proc proc "$ROOTFS/proc"
as_root chroot "$ROOTFS" /bin/sh -ec '
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get upgrade -y -qq
  apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless
  apt-get clean
  rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/info/* /var/log/apt /var/log/*.log
' >>"$ROOTFS.log" 2>&1 || die "installing the JRE failed; its log: $ROOTFS.log"
# Debian's java is /usr/bin/java (an alternatives link), on the PATH the image sets below.
as_root chroot "$ROOTFS" java -version >>"$ROOTFS.log" 2>&1 || die "no working java in the base; its log: $ROOTFS.log"
as_root umount "$ROOTFS/proc"

say "importing it into podman and saving $ARCHIVE..."
as_root tar -C "$ROOTFS" -c . | podman import --quiet \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV JAVA_HOME=$JAVA_HOME_IN_IMAGE" \
  --change "ENV LANG=C.UTF-8" \
  - "$TAG" >/dev/null
rm -f "$ARCHIVE.partial"
# docker-archive: Jib reads that format from tar:// (an OCI archive it does not).
podman save --quiet --format docker-archive -o "$ARCHIVE.partial" "$TAG" >/dev/null
podman rmi "$TAG" >/dev/null
mv "$ARCHIVE.partial" "$ARCHIVE"
rm -f "$ROOTFS.log"
say "built in $((SECONDS - started)) s ($(du -h "$ARCHIVE" | cut -f1))"
echo "$ARCHIVE"
