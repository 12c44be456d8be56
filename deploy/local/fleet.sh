#!/usr/bin/env bash
# A Ferry fleet on one machine: N router replicas behind a real load balancer (HAProxy from Debian: round robin,
# keep-alive, active health checks on each replica's /health/ready) against the real Unleash, in front of two
# backends that log every request with one global sequence number (docs/cutover.md, "The fleet proof").
#
#   deploy/local/fleet.sh start [N]    build what is missing, start Unleash, the backends, N replicas (default 3) and
#                                      HAProxy; wait until HAProxy sees every replica ready; print the addresses
#   deploy/local/fleet.sh status       each replica's flag state, as flags-admin fleet shows it
#   deploy/local/fleet.sh cut R        cut replica R off from Unleash (its Unleash traffic goes through HAProxy too;
#                                      the server is set to maintenance there, so every fetch fails)
#   deploy/local/fleet.sh restore R    give replica R its Unleash back
#   deploy/local/fleet.sh prove        start the fleet if needed and run the proof: Gatling writes for many tenants
#                                      through HAProxy while 100 tenants move in one scheduled wave; the backends'
#                                      sequence log is checked (loadtest/README.md lists its properties)
#   deploy/local/fleet.sh restart R    restart replica R gracefully: SIGTERM (it reports not ready, tells its clients
#                                      to reconnect, drains for FERRY_SHUTDOWN_DRAIN_DELAY, finishes what is in flight
#                                      and exits 0), start it again, wait until HAProxy sends to it again
#   deploy/local/fleet.sh roll         restart every replica in turn, as a rolling update does
#   deploy/local/fleet.sh kill R       SIGKILL replica R mid-load, then start it again (what it held is lost)
#   deploy/local/fleet.sh lbstats      HAProxy's counters per replica (CSV: 'show stat')
#   deploy/local/fleet.sh prove-restarts [-Dname=value ...]
#                                      start the fleet if needed and prove restarts under load: Gatling writes through
#                                      HAProxy while every replica restarts in turn (0 failed requests), or one is
#                                      killed (-Dfleet.restart=kill: only what it held fails, counted and reported)
#   deploy/local/fleet.sh stop         stop HAProxy, the replicas and the backends (Unleash keeps running)
#
# Environment (not FERRY_*: the replicas read every FERRY_* variable as their configuration):
#   FLEET_DIR       state: pids, logs, HAProxy's config, the sequence log (default ./ferry-fleet)
#   FLEET_SKEW_MS   the last replica's clock is this far off, in ms (+ ahead, - behind), through libfaketime
#                   (Debian 'faketime'); keep it within the replicas' cutover.clock-skew (250 ms by default)
#   FLEET_PORT      HAProxy's port for clients (default 18000); replicas use 18101.., their admin ports 18201..
#   FLEET_NO_BUILD  set: use the jars (and the image) as they are (the build running the tests made them), never build
#   FLEET_RUNTIME   how replicas run: podman (the image, localhost/ferry-router:VERSION, on the host's network; built by
#                   deploy/image/build.sh when missing or older than the sources), process (JVMs from the jar), or
#                   auto (the default: podman where 'podman info' works, processes otherwise)
#   FLEET_ROUTER_ENV  extra router settings for every replica, as NAME=VALUE words (e.g. FERRY_CUTOVER_LEASE=2s)
#
# Each replica drains for 1 s after SIGTERM (FERRY_SHUTDOWN_DRAIN_DELAY, overridable in FLEET_ROUTER_ENV): HAProxy
# checks every 250 ms and takes a replica out after 2 failed checks, so it stops sending within about 750 ms.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
DIR="${FLEET_DIR:-$ROOT/ferry-fleet}"
PORT="${FLEET_PORT:-18000}"
STATS_PORT=$((PORT + 999))
LEGACY_PORT=$((PORT + 81))
NEW_PORT=$((PORT + 82))
FLAG=fleet-route-tenant-to-new
WINDOW=fleet-migration-window
UNLEASH_URL="$(deploy/unleash/unleash.sh url)"
ADMIN_TOKEN='*:*.unleash-insecure-admin-api-token'
CLIENT_TOKEN='default:development.unleash-insecure-client-api-token'
ROUTER_JAR=router/target/ferry-router.jar
IMAGE="localhost/ferry-router:$(sed -n 's:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -n 1)"
# podman picks runc and ulimits this kind of host allows (deploy/image/containers.conf)
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/deploy/image/containers.conf}"
ADMIN_JAR=flags-admin/target/flags-admin.jar
FAKETIME_LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1

say() { echo "fleet.sh: $*" >&2; }
die() {
  say "$*"
  exit 1
}
replicas() { cat "$DIR/replicas" 2>/dev/null || echo 0; }

ensure_tools() {
  local need=()
  command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
  [ -z "${FLEET_SKEW_MS:-}" ] || [ -f "$FAKETIME_LIB" ] || need+=(faketime)
  if [ ${#need[@]} -gt 0 ]; then
    say "installing ${need[*]} (Debian packages)..."
    local sudo_cmd=""
    [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    # The package starts a system HAProxy where it can; the fleet runs its own.
    $sudo_cmd systemctl stop haproxy >/dev/null 2>&1 || $sudo_cmd service haproxy stop >/dev/null 2>&1 || true
  fi
}

ensure_jars() {
  if [ -n "${FLEET_NO_BUILD:-}" ]; then
    [ -f "$ROUTER_JAR" ] && [ -f "$ADMIN_JAR" ] || die "FLEET_NO_BUILD is set but $ROUTER_JAR or $ADMIN_JAR is missing"
    return 0
  fi
  if [ ! -f "$ROUTER_JAR" ] || [ ! -f "$ADMIN_JAR" ] \
    || [ -n "$(find pom.xml router/pom.xml router/src/main flags-admin/pom.xml flags-admin/src/main \
      -newer "$ROUTER_JAR" -print -quit)" ]; then
    say "building the router and flags-admin..."
    ./mvnw -q -B -pl router,flags-admin -am package -DskipTests -Dspotless.check.skip=true
  fi
}

unleash_api() { # METHOD PATH [BODY]
  curl -sS -o /dev/null -w '%{http_code}' -X "$1" -H "Authorization: $ADMIN_TOKEN" \
    -H 'Content-Type: application/json' ${3:+--data "$3"} "$UNLEASH_URL$2"
}

ensure_flags() {
  # A fresh routing flag for every fleet: the proofs add a rule each, and Unleash allows 30 per flag and environment
  case "$(unleash_api GET "/api/admin/projects/default/features/$FLAG")" in
    200)
      unleash_api DELETE "/api/admin/projects/default/features/$FLAG" >/dev/null
      # Unleash 8.2.0 records the archiving after answering; a hard delete before that makes it exit (an FK violation
      # in feature_lifecycles, docs/unleash.md)
      sleep 2
      unleash_api DELETE "/api/admin/archive/$FLAG" >/dev/null
      ;;
    404) ;;
    *) die "Unleash at $UNLEASH_URL refused the admin token (expected: deploy/unleash/unleash.sh start)" ;;
  esac
  # The routing flag on with init's rule (a 0 % wave: every tenant on legacy until moved), the window's flag; then
  # the migration window open
  admin() { java -jar "$ADMIN_JAR" --unleash "$UNLEASH_URL" --token "$ADMIN_TOKEN" --flag "$FLAG" --by fleet.sh "$@"; }
  admin init --window-flag "$WINDOW" >/dev/null || die "flags-admin init failed on $UNLEASH_URL (run it by hand to see why)"
  admin window open --window-flag "$WINDOW" >/dev/null
}

haproxy_config() {
  local n="$1" i
  cat <<EOF
global
    maxconn 4000
    pidfile $DIR/haproxy.pid
    stats socket ipv4@127.0.0.1:$STATS_PORT level admin

defaults
    mode http
    option http-keep-alive
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 10s
    # A replica that is busy (a neighbour starting its JVM on the same cores) may answer a check late; it is not down
    timeout check 2s

# Clients: round robin over the replicas that answer /health/ready on their admin port
frontend ferry
    bind 127.0.0.1:$PORT
    default_backend routers

backend routers
    balance roundrobin
    option httpchk GET /health/ready
    http-check expect status 200
    default-server inter 250ms fall 2 rise 2
    # A connection that fails before the request went out is tried again on another replica: nothing was sent, so
    # nothing can be applied twice. A request that reached a replica is never sent again (retry-on conn-failure only).
    option redispatch 1
    retries 2
    retry-on conn-failure
EOF
  for i in $(seq 1 "$n"); do
    echo "    server r$i 127.0.0.1:$((18100 + i)) check port $((18200 + i))"
  done
  for i in $(seq 1 "$n"); do
    cat <<EOF

# Replica $i's way to Unleash: 'fleet.sh cut $i' sets this server to maintenance
frontend unleash_r$i
    bind 127.0.0.1:$((18300 + i))
    default_backend unleash_r$i

backend unleash_r$i
    server unleash ${UNLEASH_URL#http://}
EOF
  done
}

haproxy_command() { # one command on HAProxy's runtime API
  exec 3<>"/dev/tcp/127.0.0.1/$STATS_PORT" || die "HAProxy's runtime API on 127.0.0.1:$STATS_PORT does not answer"
  printf '%s\n' "$1" >&3
  cat <&3
  exec 3>&-
}

start_replica() {
  local i="$1" skew_ms="${2:-}" faketime=""
  mkdir -p "$DIR/r$i"
  rm -f "$DIR/r$i/pid" "$DIR/r$i/exit"
  # a replica started again (restart, kill) keeps the clock it was started with
  if [ -z "$skew_ms" ] && [ -f "$DIR/r$i/skew" ]; then
    skew_ms="$(cat "$DIR/r$i/skew")"
  fi
  [ -z "$skew_ms" ] || echo "$skew_ms" >"$DIR/r$i/skew"
  if [ -n "$skew_ms" ]; then
    local sign=+ abs="$skew_ms"
    if [ "${skew_ms#-}" != "$skew_ms" ]; then
      sign=-
      abs="${skew_ms#-}"
    fi
    # A constant offset on every clock (monotonic too, which is harmless: only its differences count); excluding
    # the monotonic clock makes libfaketime turn the JVM's timed waits into busy loops
    faketime="$sign$((abs / 1000)).$(printf '%03d' $((abs % 1000)))"
  fi
  # shellcheck disable=SC2206
  local settings=(FERRY_LISTEN_HOST=127.0.0.1 FERRY_LISTEN_PORT=$((18100 + i))
    FERRY_ADMIN_HOST=127.0.0.1 FERRY_ADMIN_PORT=$((18200 + i))
    FERRY_BACKENDS_LEGACY_URL="http://127.0.0.1:$LEGACY_PORT" FERRY_BACKENDS_NEW_URL="http://127.0.0.1:$NEW_PORT"
    FERRY_FLAGS_SOURCE=unleash FERRY_FLAGS_FLAG_NAME="$FLAG" FERRY_CUTOVER_WINDOW_FLAG="$WINDOW"
    FERRY_FLAGS_UNLEASH_URL="http://127.0.0.1:$((18300 + i))/api" FERRY_FLAGS_UNLEASH_TOKEN="$CLIENT_TOKEN"
    FERRY_FLAGS_UNLEASH_APP_NAME="ferry-fleet-r$i" FERRY_FLAGS_UNLEASH_BACKUP_FILE="$DIR/r$i/unleash-backup.json"
    FERRY_FLAGS_HELD_FILE="$DIR/r$i/held-tenants.json" FERRY_FORWARDING_SERVED_BY_HEADER=X-Ferry-Backend
    FERRY_SHUTDOWN_DRAIN_DELAY=1s ${FLEET_ROUTER_ENV:-})
  if [ "$(runtime)" = podman ]; then
    # The image on the host's network, its state files where the process would keep them (the container's user,
    # 65532, writes there), stopped by SIGTERM through podman run (signals are proxied), killed by podman kill
    local args=(--rm --name "ferry-fleet-r$i" --network host -v "$DIR/r$i:$DIR/r$i"
      -e "JAVA_TOOL_OPTIONS=-XX:+UseSerialGC -Xms64m -Xmx256m")
    local s
    for s in "${settings[@]}"; do args+=(-e "$s"); done
    if [ -n "$faketime" ]; then
      args+=(-v "$FAKETIME_LIB:$FAKETIME_LIB:ro" -e "LD_PRELOAD=$FAKETIME_LIB" -e "FAKETIME=$faketime")
    fi
    chmod 0777 "$DIR/r$i"
    podman rm -f "ferry-fleet-r$i" >/dev/null 2>&1 || true
    setsid bash -c 'podman run "${@:3}" "$1" & echo $! >"$2/pid"; wait $!; echo $? >"$2/exit"' \
      _ "$IMAGE" "$DIR/r$i" "${args[@]}" >>"$DIR/r$i/router.log" 2>&1 </dev/null &
  else
    local preload=()
    [ -z "$faketime" ] || preload=(LD_PRELOAD="$FAKETIME_LIB" FAKETIME="$faketime")
    env "${settings[@]}" "${preload[@]}" \
      setsid bash -c 'java -XX:+UseSerialGC -Xms64m -Xmx256m -jar "$1" & echo $! >"$2/pid"; wait $!; echo $? >"$2/exit"' \
      _ "$ROUTER_JAR" "$DIR/r$i" >>"$DIR/r$i/router.log" 2>&1 </dev/null &
  fi
  # the replica's pid (the JVM's or podman run's, not the wrapper's that records its exit code)
  wait_until 10 "replica $i's process started" test -s "$DIR/r$i/pid"
}

# How the replicas run: the image under podman (FLEET_RUNTIME=podman), or JVMs started from the jar (process). The
# default, auto, is podman where podman runs, processes otherwise. Decided once per fleet (FLEET_DIR/runtime).
runtime() {
  if [ -f "$DIR/runtime" ]; then
    cat "$DIR/runtime"
    return
  fi
  if [ -f "$DIR/replicas" ]; then
    echo process # started by a fleet.sh from before containers
    return
  fi
  case "${FLEET_RUNTIME:-auto}" in
    process | podman) echo "$FLEET_RUNTIME" ;;
    auto) if podman_usable; then echo podman; else echo process; fi ;;
    *) die "FLEET_RUNTIME: '$FLEET_RUNTIME' (expected: auto, podman or process)" ;;
  esac
}

runtime_label() { if [ "$(runtime)" = podman ]; then echo "containers of $IMAGE under podman"; else echo "JVMs from $ROUTER_JAR"; fi; }

podman_usable() { command -v podman >/dev/null 2>&1 && podman info >/dev/null 2>&1; }

# The image the replicas run under podman: built (deploy/image/build.sh) when missing or older than the router's
# sources, unless FLEET_NO_BUILD (then it must be there)
ensure_image() {
  podman_usable || die "FLEET_RUNTIME=podman, but podman does not run here ('podman info' fails; deploy/image/base.sh installs it)"
  if [ -n "${FLEET_NO_BUILD:-}" ]; then
    podman image exists "$IMAGE" || die "FLEET_NO_BUILD is set but the image $IMAGE is missing (deploy/image/build.sh builds it)"
    return 0
  fi
  local tar=router/target/jib-image.tar
  if ! podman image exists "$IMAGE" || [ ! -f "$tar" ] \
    || [ -n "$(find pom.xml router/pom.xml router/src/main -newer "$tar" -print -quit)" ]; then
    say "building the image (deploy/image/build.sh)..."
    deploy/image/build.sh >/dev/null
  fi
}

wait_until() { # SECONDS DESCRIPTION COMMAND...
  local limit="$1" deadline=$((SECONDS + $1)) what="$2"
  shift 2
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "$what did not happen within $limit s (logs: $DIR)"
      return 1
    fi
    sleep 0.2
  done
}

all_ready() {
  local i
  for i in $(seq 1 "$(replicas)"); do
    haproxy_command "show stat" | grep -q "^routers,r$i,.*,UP," || return 1
  done
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

check_ports() {
  local n="$1" p i busy=()
  for p in "$PORT" "$STATS_PORT" "$LEGACY_PORT" "$NEW_PORT"; do port_free "$p" || busy+=("$p"); done
  for i in $(seq 1 "$n"); do
    for p in $((18100 + i)) $((18200 + i)) $((18300 + i)); do port_free "$p" || busy+=("$p"); done
  done
  [ ${#busy[@]} -eq 0 ] || die "ports in use: ${busy[*]} (expected: free; another fleet? 'fleet.sh stop' with its FLEET_DIR)"
}

backends_up() { ! port_free "$LEGACY_PORT" && ! port_free "$NEW_PORT"; }

cmd_start() {
  local n="${1:-3}"
  [[ "$n" =~ ^[1-9]$ ]] || die "replicas: '$n' (expected: 1 to 9)"
  if [ -f "$DIR/replicas" ]; then
    say "a fleet is running already ($(replicas) replicas); 'fleet.sh stop' first"
    cmd_print
    return 0
  fi
  check_ports "$n"
  ensure_tools
  deploy/unleash/unleash.sh start >/dev/null
  ensure_jars
  local how
  how="$(runtime)"
  [ "$how" = process ] || ensure_image
  ensure_flags
  # A fresh fleet: no replica keeps a flag state (backup, held tenants) from an earlier one
  rm -rf "$DIR"/r[0-9]*
  mkdir -p "$DIR"
  echo "$how" >"$DIR/runtime"
  trap 'say "start failed; stopping what started"; cmd_stop' ERR
  : >"$DIR/sequence.log"
  setsid java -XX:+UseSerialGC -Xmx256m -cp "$ROUTER_JAR" dev.ferry.router.demo.SequenceBackends \
    "$LEGACY_PORT" "$NEW_PORT" "$DIR/sequence.log" >"$DIR/backends.log" 2>&1 </dev/null &
  echo $! >"$DIR/backends.pid"
  echo "$n" >"$DIR/replicas"
  wait_until 30 "the backends listening" backends_up
  haproxy_config "$n" >"$DIR/haproxy.cfg"
  haproxy -c -q -f "$DIR/haproxy.cfg"
  haproxy -D -q -f "$DIR/haproxy.cfg"
  local i
  for i in $(seq 1 "$n"); do
    if [ "$i" -eq "$n" ] && [ -n "${FLEET_SKEW_MS:-}" ]; then
      start_replica "$i" "$FLEET_SKEW_MS"
    else
      start_replica "$i"
    fi
  done
  wait_until 60 "every replica ready behind HAProxy" all_ready
  trap - ERR
  cmd_print
}

cmd_print() {
  local n i admins=()
  n="$(replicas)"
  for i in $(seq 1 "$n"); do admins+=("http://127.0.0.1:$((18200 + i))"); done
  local IFS=,
  cat <<EOF
Fleet: $n replicas ($(runtime_label)) behind HAProxy on http://127.0.0.1:$PORT (round robin, health checks on /health/ready)
  replicas' admin ports: ${admins[*]}
  backends: legacy 127.0.0.1:$LEGACY_PORT, new 127.0.0.1:$NEW_PORT; sequence log $DIR/sequence.log
  Unleash: $UNLEASH_URL, routing flag $FLAG, migration window $WINDOW (open)
Try:
  curl -H 'X-Tenant-Id: acme' http://127.0.0.1:$PORT/orders
  java -jar $ADMIN_JAR --unleash $UNLEASH_URL --token '$ADMIN_TOKEN' --flag $FLAG \\
      move acme --to new --wait-for-fleet ${admins[*]}
EOF
}

cmd_status() {
  [ -f "$DIR/replicas" ] || die "no fleet is running ('fleet.sh start')"
  local n i admins=()
  n="$(replicas)"
  for i in $(seq 1 "$n"); do admins+=("http://127.0.0.1:$((18200 + i))"); done
  local IFS=,
  java -jar "$ADMIN_JAR" fleet --router "${admins[*]}"
}

replica_arg() { # COMMAND R: R must name a running replica
  local n
  n="$(replicas)"
  [ "$n" -gt 0 ] || die "$1: no fleet is running ('fleet.sh start')"
  [[ "${2:-}" =~ ^[1-9]$ ]] && [ "$2" -le "$n" ] || die "$1: replica '${2:-}' (expected: 1 to $n)"
}

cmd_cut() {
  replica_arg cut "${1:-}"
  haproxy_command "disable server unleash_r$1/unleash" >/dev/null
  say "replica $1 cut off from Unleash"
}

cmd_restore() {
  replica_arg restore "${1:-}"
  haproxy_command "enable server unleash_r$1/unleash" >/dev/null
  say "replica $1 reaches Unleash again"
}

replica_up() { haproxy_command "show stat" | grep -q "^routers,r$1,.*,UP,"; }
replica_down() { ! replica_up "$1"; }

cmd_restart() { # R: SIGTERM, wait for the exit (its code must be 0), start again, wait until HAProxy sends to it
  replica_arg restart "${1:-}"
  local i="$1" pid code started=$SECONDS
  pid="$(cat "$DIR/r$i/pid")"
  kill -TERM "$pid"
  wait_until 60 "replica $i exiting after SIGTERM" test -s "$DIR/r$i/exit"
  code="$(cat "$DIR/r$i/exit")"
  [ "$code" = 0 ] || die "replica $i exited with $code after SIGTERM (expected: 0; log: $DIR/r$i/router.log)"
  start_replica "$i"
  wait_until 60 "replica $i back behind HAProxy" replica_up "$i"
  say "replica $i restarted (SIGTERM, exit 0, ready again) in $((SECONDS - started)) s"
}

cmd_roll() {
  [ -f "$DIR/replicas" ] || die "roll: no fleet is running ('fleet.sh start')"
  local i
  for i in $(seq 1 "$(replicas)"); do cmd_restart "$i"; done
}

cmd_kill() { # R: SIGKILL mid-load, then start it again
  replica_arg kill "${1:-}"
  local i="$1" started=$SECONDS at
  at="$(date +%s%6N)" # the instant of the kill, in microseconds since the epoch
  if [ "$(runtime)" = podman ]; then
    podman kill --signal KILL "ferry-fleet-r$i" >/dev/null
  else
    kill -KILL "$(cat "$DIR/r$i/pid")"
  fi
  wait_until 30 "replica $i gone after SIGKILL" test -s "$DIR/r$i/exit"
  wait_until 30 "HAProxy taking replica $i out" replica_down "$i"
  start_replica "$i"
  wait_until 60 "replica $i back behind HAProxy" replica_up "$i"
  say "replica $i killed (SIGKILL) at $at µs and back in $((SECONDS - started)) s"
}

cmd_lbstats() {
  [ -f "$DIR/replicas" ] || die "lbstats: no fleet is running ('fleet.sh start')"
  haproxy_command "show stat"
}

stop_pid() {
  local file="$1" pid
  [ -f "$file" ] || return 0
  pid="$(cat "$file")"
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
}

cmd_stop() {
  stop_pid "$DIR/haproxy.pid"
  local i
  for i in $(seq 1 "$(replicas)"); do
    stop_pid "$DIR/r$i/pid"
    if [ "$(runtime)" = podman ]; then podman rm -f "ferry-fleet-r$i" >/dev/null 2>&1 || true; fi
  done
  stop_pid "$DIR/backends.pid"
  rm -f "$DIR/replicas" "$DIR/runtime"
  say "stopped"
}

cmd_prove() {
  [ -f "$DIR/replicas" ] || cmd_start 3
  local n i admins=()
  n="$(replicas)"
  for i in $(seq 1 "$n"); do admins+=("http://127.0.0.1:$((18200 + i))"); done
  local IFS=,
  loadtest/run.sh FleetCutoverSimulation -Dferry.baseUrl="http://127.0.0.1:$PORT" \
    -Dfleet.routers="${admins[*]}" -Dfleet.sequenceLog="$DIR/sequence.log" -Dfleet.unleash="$UNLEASH_URL" \
    -Dfleet.flag="$FLAG" -Dfleet.script="$ROOT/deploy/local/fleet.sh" -Dfleet.dir="$DIR" \
    -Dfleet.report="$ROOT/loadtest/target/fleet-proof.json" "$@"
}

cmd_prove_restarts() {
  [ -f "$DIR/replicas" ] || cmd_start 3
  loadtest/run.sh FleetRestartSimulation -Dferry.baseUrl="http://127.0.0.1:$PORT" -Dfleet.replicas="$(replicas)" \
    -Dfleet.sequenceLog="$DIR/sequence.log" -Dfleet.script="$ROOT/deploy/local/fleet.sh" -Dfleet.dir="$DIR" \
    -Dfleet.report="$ROOT/loadtest/target/fleet-restarts.json" "$@"
}

case "${1:-}" in
  start) cmd_start "${2:-3}" ;;
  restart) cmd_restart "${2:-}" ;;
  roll) cmd_roll ;;
  kill) cmd_kill "${2:-}" ;;
  lbstats) cmd_lbstats ;;
  prove-restarts)
    shift
    cmd_prove_restarts "$@"
    ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  cut) cmd_cut "${2:-}" ;;
  restore) cmd_restore "${2:-}" ;;
  prove)
    shift
    cmd_prove "$@"
    ;;
  *) die "usage: fleet.sh start [N] | status | cut R | restore R | restart R | roll | kill R | lbstats | prove [-Dname=value ...] | prove-restarts [-Dname=value ...] | stop" ;;
esac
