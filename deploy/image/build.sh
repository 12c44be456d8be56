#!/usr/bin/env bash
# Builds Ferry's container image and loads it into podman, in one command: the Debian base if it is missing
# (deploy/image/base.sh), the image with Jib (./mvnw -Pimage package: router/target/jib-image.tar), then podman load.
# Prints the image's name (localhost/ferry-router:VERSION). Extra arguments go to Maven (such as -o).
#
# Environment (deliberately not FERRY_*: the router reads every FERRY_* variable as its configuration):
#   IMAGE_NAME      the image's name and tag (default ferry-router:VERSION)
#   IMAGE_BASE      what it is layered on instead of the Debian base, e.g. eclipse-temurin:17-jre (pulled by Jib)
#   IMAGE_JIB_ONLY  set: run Jib alone, on the classes a running build compiled (the suite's ImageIT does, inside
#                   ./mvnw verify), instead of compiling and packaging first
set -euo pipefail
cd "$(dirname "$0")/../.."
# crun fails on some hosts' cgroup layouts; the project's containers.conf picks runc and ulimits a host allows.
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/deploy/image/containers.conf}"

say() { echo "build.sh: $*" >&2; }

base="${IMAGE_BASE:-}"
[ -n "$base" ] || base="tar://$(deploy/image/base.sh)"
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
if [ "$revision" != unknown ] && ! git diff --quiet HEAD -- 2>/dev/null; then
  revision="$revision-dirty"
fi
created="$(git log -1 --format=%cI 2>/dev/null || echo 1970-01-01T00:00:00Z)"
# The repository's URL, without any credentials in it.
source_url="$(git remote get-url origin 2>/dev/null | sed -E 's#^([a-z+]+://)[^@/]*@#\1#' || true)"

if [ -n "${IMAGE_JIB_ONLY:-}" ]; then
  goals=(jib:buildTar)
else
  goals=(package -DskipTests)
fi
say "building the image on $base (revision $revision)..."
./mvnw -B -q -pl router -Pimage "${goals[@]}" \
  -Dferry.image.base="$base" \
  -Dferry.revision="$revision" \
  -Dferry.image.created="$created" \
  -Dferry.image.source="${source_url:-unknown}" \
  ${IMAGE_NAME:+-Djib.to.image="$IMAGE_NAME"} \
  "$@"
loaded="$(podman load -q -i router/target/jib-image.tar)"
echo "${loaded##*: }"
