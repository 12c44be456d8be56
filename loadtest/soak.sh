#!/usr/bin/env bash
# The soak: a packaged router under paranoid leak detection and a small heap, fed mixed traffic at a fixed rate for a
# fixed time through both transports and the error paths, its memory, descriptors and threads sampled; at the end a
# verdict (docs/reliability.md, "Soak").
#
#   loadtest/soak.sh [DURATION]       DURATION: 30m (default), 2m, 90s, or seconds
#   loadtest/soak.sh verdict          the verdict again, on the samples and log of the last run (SOAK_DIR)
#
# What runs, all on loopback, each in its own JVM:
#   - the backends (dev.ferry.router.demo.SoakBackends): legacy and new; new is down for 12 s of every 60 s (503s,
#     then resets before answering), legacy cuts /cut responses mid-body, /slow answers over 2 s
#   - the router (router/target/ferry-router.jar, built if missing or older than its sources), -Xmx256m,
#     -Dio.netty.leakDetection.level=paranoid, a breaker that opens quickly (20 calls, 50 %, 2 s open)
#   - the traffic (loadtest/src/test/java/dev/ferry/loadtest/SoakTraffic.java, run from source: JDK only): SOAK_RATE
#     requests a second, HTTP/1.1 (fast path) and h2c (Reactor Netty) alike; GET, POST, cut responses, clients that
#     stop reading, abandoned uploads, no tenant, no Host
# Every SOAK_SAMPLE_SECONDS it runs a full GC in the router (jcmd GC.run) and reads its /metrics into samples.csv;
# after the traffic stops, one more sample when idle. The verdict leaves out the first tenth of the samples (warm-up)
# and compares the median of the last third of the rest with that of the first third; it fails (exit 1) on growth past
# the margins below, on any LEAK: line in the router's log, or when an error path was never taken.
#
# Environment:
#   SOAK_RATE             requests per second (default 200)
#   SOAK_SAMPLE_SECONDS   seconds between samples (default 30; 10 for runs under 10 minutes, 5 under 2)
#   SOAK_PORT             the proxy's port (default 18400); admin +1, backends +81 (legacy) and +82 (new)
#   SOAK_DIR              where logs, samples.csv and the report go (default loadtest/target/soak; the run before
#                         is moved to SOAK_DIR.previous)
#   SOAK_NO_BUILD         set: use router/target/ferry-router.jar as it is
#   SOAK_JAVA_OPTS        more JVM options for the router, e.g. -Dlogback.configurationFile=debug.xml to see where a
#                         leaked buffer was last held (logger _reactor.netty.channel.LeakDetection at DEBUG)
#   SOAK_KINDS            only these kinds of request, comma-separated (GET, POST, CUT_MID_BODY, ABORT_MID_RESPONSE,
#                         ABORT_MID_UPLOAD, NO_TENANT, NO_HOST): to find which path leaks; the verdict then names the
#                         paths left out
# Margins (median of the last third against that of the first, each the larger of the two figures):
#   heap after a full GC  +10 % or +8 MiB       direct memory (JVM and Netty)     +8 MiB
#   threads               +2                    open descriptors, client conns    +25 % or +32
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "soak.sh: $*" >&2; }
die() {
  say "$*"
  exit 2
}

seconds_of() {
  case "$1" in
    *[0-9]m) echo $((${1%m} * 60)) ;;
    *[0-9]s) echo "${1%s}" ;;
    *[0-9]h) echo $((${1%h} * 3600)) ;;
    *) echo "$1" ;;
  esac
}

# The verdict on $DIR: the samples under load after the first tenth of the run (warm-up: JIT, pools, the clients'
# first connections), medians of the first third against medians of the last third
verdict() {
  local leaks opens half_opens first_leak last_leak rc
  leaks="$(grep -c 'LEAK:' "$DIR/router.log" || true)"
  first_leak="$(grep -m 1 'LEAK:' "$DIR/router.log" | cut -d' ' -f1 || true)"
  last_leak="$(grep 'LEAK:' "$DIR/router.log" | tail -n 1 | cut -d' ' -f1 || true)"
  opens="$(grep -c 'Circuit breaker of backend new: .* -> OPEN' "$DIR/router.log" || true)"
  half_opens="$(grep -c 'Circuit breaker of backend new: .* -> HALF_OPEN' "$DIR/router.log" || true)"
  set +e
  awk -F, -v mib="$MIB" -v leaks="$leaks" -v first_leak="$first_leak" -v last_leak="$last_leak" \
    -v opens="$opens" -v halfopens="$half_opens" -v traffic_rc="$(cat "$DIR/traffic.rc" 2>/dev/null || echo 0)" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    $2 == "load" { n++; for (c in col) v[n, c] = $col[c] }
    $2 == "start" || $2 == "idle" { for (c in col) s[$2, c] = $col[c] }
    function median(c, from, to,   i, j, k, t, a) {
      k = 0
      for (i = from; i <= to; i++) a[++k] = v[i, c] + 0
      for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
      return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
    }
    function maxof(c,   i, m) { m = v[1, c]; for (i = 1; i <= n; i++) if (v[i, c] > m) m = v[i, c]; return m }
    function bigger(a, b) { return a > b ? a : b }
    function check(what, c, margin, unit, div,   a, b, ok) {
      a = median(c, first, first + third - 1); b = median(c, n - third + 1, n); ok = (b <= a + margin)
      printf "  %-26s %9.1f %9.1f %9.1f %9.1f   %s\n", what unit, a / div, b / div, maxof(c) / div,
        s["idle", c] / div, ok ? "flat" : sprintf("GREW (margin %.1f)", margin / div)
      if (!ok) failed = 1
    }
    function exercised(what, count) {
      printf "  %-26s %9d\n", what, count
      if (count == 0) { failed = 1; printf "    never happened: the soak did not exercise this path\n" }
    }
    END {
      first = bigger(2, int(n / 10) + 1); third = int((n - first + 1) / 3)
      if (third < 2) { print "soak: only " n " samples under load (expected: 10 or more)"; exit 1 }
      printf "Soak verdict: %d samples under load after a full GC each; medians of samples %d-%d against %d-%d\n",
        n, first, first + third - 1, n - third + 1, n
      printf "  %-26s %9s %9s %9s %9s\n", "", "first", "last", "max", "idle"
      a = median("heap_bytes", first, first + third - 1)
      check("heap after GC", "heap_bytes", bigger(a * 0.10, 8 * mib), " (MiB)", mib)
      check("JVM direct buffers", "jvm_direct_bytes", 8 * mib, " (MiB)", mib)
      check("Netty direct memory", "netty_direct_bytes", 8 * mib, " (MiB)", mib)
      check("threads", "threads", 2, "", 1)
      a = median("open_fds", first, first + third - 1)
      check("open descriptors", "open_fds", bigger(a * 0.25, 32), "", 1)
      check("client connections", "client_connections", bigger(median("client_connections", first, first + third - 1) * 0.25, 32), "", 1)
      printf "  %-26s %9d   %s\n", "LEAK: lines in the log", leaks, (leaks > 0 ? "from " first_leak " to " last_leak : "")
      if (leaks > 0) failed = 1
      e = "idle"
      printf "Requests by outcome (router, whole run): %d\n", s[e, "requests"]
      exercised("forwarded", s[e, "forwarded"])
      exercised("client_closed", s[e, "client_closed"])
      exercised("breaker_open", s[e, "breaker_open"])
      exercised("backend_closed", s[e, "backend_closed"])
      exercised("tenant_missing", s[e, "tenant_missing"])
      exercised("request_invalid", s[e, "request_invalid"])
      printf "  %-26s %9d\n", "backend_timeout", s[e, "backend_timeout"]
      printf "Exchanges by transport\n"
      exercised("fast (HTTP/1.1)", s[e, "fast"])
      exercised("reactor (h2c)", s[e, "reactor"])
      printf "Breaker of new\n"
      exercised("opened", opens)
      exercised("half-opened", halfopens)
      if (traffic_rc != 0) { printf "The traffic driver exited with %d\n", traffic_rc; failed = 1 }
      print (failed ? "NOT FLAT, LEAKED or not exercised: see above" : "FLAT: no growth, no leak, every error path taken")
      exit failed
    }' "$CSV" | tee "$DIR/verdict.txt"
  rc=${PIPESTATUS[0]}
  set -e
  echo "Samples: $CSV; traffic (client side): $DIR/traffic.tsv; router log: $DIR/router.log" >&2
  return "$rc"
}

DIR="${SOAK_DIR:-$PWD/loadtest/target/soak}"
CSV="$DIR/samples.csv"
MIB=$((1024 * 1024))
if [ "${1:-}" = verdict ]; then
  [ -f "$CSV" ] || die "no samples in $DIR (expected: a soak's directory, SOAK_DIR)"
  verdict
  exit
fi

DURATION="$(seconds_of "${1:-30m}")"
[[ "$DURATION" =~ ^[0-9]+$ ]] && [ "$DURATION" -ge 60 ] && [ "$DURATION" -le 86400 ] \
  || die "duration: '${1:-}' (expected: 60s to 24h, such as 30m, 2m or 600)"
RATE="${SOAK_RATE:-200}"
[[ "$RATE" =~ ^[1-9][0-9]*$ ]] && [ "$RATE" -le 5000 ] || die "SOAK_RATE: '$RATE' (expected: 1 to 5000)"
if [ "$DURATION" -ge 600 ]; then SAMPLE="${SOAK_SAMPLE_SECONDS:-30}"
elif [ "$DURATION" -ge 120 ]; then SAMPLE="${SOAK_SAMPLE_SECONDS:-10}"
else SAMPLE="${SOAK_SAMPLE_SECONDS:-5}"; fi
[[ "$SAMPLE" =~ ^[1-9][0-9]*$ ]] && [ $((DURATION / SAMPLE)) -ge 10 ] \
  || die "SOAK_SAMPLE_SECONDS: '$SAMPLE' (expected: at least 10 samples in $DURATION s)"
PORT="${SOAK_PORT:-18400}"
ADMIN_PORT=$((PORT + 1))
LEGACY_PORT=$((PORT + 81))
NEW_PORT=$((PORT + 82))
JAR=router/target/ferry-router.jar
TRAFFIC=loadtest/src/test/java/dev/ferry/loadtest/SoakTraffic.java

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

for p in "$PORT" "$ADMIN_PORT" "$LEGACY_PORT" "$NEW_PORT"; do
  port_free "$p" || die "port $p is in use (expected: free; another soak? SOAK_PORT moves them all)"
done
command -v jcmd >/dev/null || die "jcmd not found (expected: a JDK 17, not a JRE)"
command -v curl >/dev/null || die "curl not found"

if [ -z "${SOAK_NO_BUILD:-}" ] && { [ ! -f "$JAR" ] \
  || [ -n "$(find pom.xml router/pom.xml router/src/main -newer "$JAR" -print -quit)" ]; }; then
  say "building the router..."
  ./mvnw -q -B -pl router package -DskipTests -Dspotless.check.skip=true
fi
[ -f "$JAR" ] || die "$JAR is missing (expected: the packaged router; unset SOAK_NO_BUILD)"

# The previous run's files stay, once, beside this one's
if [ -d "$DIR" ]; then
  rm -rf "$DIR.previous"
  mv "$DIR" "$DIR.previous"
fi
mkdir -p "$DIR"

# Tenants soak-new-1..10 on new, everyone else (soak-legacy-*) on legacy
new_tenants="$(printf '"soak-new-%d",' $(seq 1 10))"
sed "s/\"values\": \[\"globex\"\]/\"values\": [${new_tenants%,}]/" router/src/main/resources/demo/flags.json \
  >"$DIR/flags.json"
grep -q soak-new-10 "$DIR/flags.json" || die "could not write $DIR/flags.json from the demo's flags file"

pids=()
stop_all() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap stop_all EXIT

java -XX:+UseSerialGC -Xmx128m -cp "$JAR" dev.ferry.router.demo.SoakBackends "$LEGACY_PORT" "$NEW_PORT" 60 12 \
  >"$DIR/backends.log" 2>&1 </dev/null &
pids+=($!)

env FERRY_LISTEN_HOST=127.0.0.1 FERRY_LISTEN_PORT="$PORT" FERRY_ADMIN_PORT="$ADMIN_PORT" \
  FERRY_BACKENDS_LEGACY_URL="http://127.0.0.1:$LEGACY_PORT" FERRY_BACKENDS_NEW_URL="http://127.0.0.1:$NEW_PORT" \
  FERRY_FLAGS_SOURCE=file FERRY_FLAGS_FILE="$DIR/flags.json" FERRY_FLAGS_HELD_FILE="$DIR/held-tenants.json" \
  FERRY_FORWARDING_SERVED_BY_HEADER=X-Ferry-Backend \
  FERRY_BREAKER_SLIDING_WINDOW_SIZE=20 FERRY_BREAKER_MINIMUM_CALLS=10 FERRY_BREAKER_FAILURE_RATE_THRESHOLD=50 \
  FERRY_BREAKER_WAIT_IN_OPEN=2s FERRY_BREAKER_HALF_OPEN_CALLS=3 \
  java -Xms256m -Xmx256m -Dio.netty.leakDetection.level=paranoid ${SOAK_JAVA_OPTS:-} -jar "$JAR" >"$DIR/router.log" 2>&1 </dev/null &
ROUTER_PID=$!
pids+=("$ROUTER_PID")

deadline=$((SECONDS + 60))
until curl -fsS -o /dev/null "http://127.0.0.1:$ADMIN_PORT/health/ready" 2>/dev/null; do
  kill -0 "$ROUTER_PID" 2>/dev/null || die "the router stopped at start-up ($DIR/router.log)"
  [ "$SECONDS" -lt "$deadline" ] || die "the router was not ready within 60 s ($DIR/router.log)"
  sleep 0.5
done
say "router $ROUTER_PID ready on 127.0.0.1:$PORT (admin :$ADMIN_PORT); $RATE req/s for $DURATION s, a sample every $SAMPLE s"

# One row of samples.csv from the router's /metrics, just after a full GC
COLUMNS="elapsed_s,phase,heap_bytes,jvm_direct_bytes,netty_direct_bytes,open_fds,threads,client_connections,requests,forwarded,client_closed,breaker_open,backend_closed,backend_timeout,tenant_missing,request_invalid,fast,reactor,breaker_new"
echo "$COLUMNS" >"$CSV"
sample() { # ELAPSED PHASE
  jcmd "$ROUTER_PID" GC.run >/dev/null
  curl -fsS --max-time 10 "http://127.0.0.1:$ADMIN_PORT/metrics" >"$DIR/metrics.txt" || {
    say "could not read /metrics at $1 s"
    return 0
  }
  awk -v t="$1" -v phase="$2" '
    function val() { return $NF + 0 }
    /^jvm_memory_used_bytes\{/ && /area="heap"/ { heap += val() }
    /^jvm_buffer_memory_used_bytes\{/ && /id="direct"/ { jvmdirect = val() }
    /^ferry_netty_direct_memory_used_bytes/ { netty += val() }
    /^process_files_open_files/ { fds = val() }
    /^jvm_threads_live_threads/ { threads = val() }
    /^ferry_client_connections[ {]/ { conns = val() }
    /^ferry_requests_seconds_count\{/ {
      n = val(); requests += n
      match($0, /outcome="[^"]*"/); o = substr($0, RSTART + 9, RLENGTH - 10); by[o] += n
    }
    /^ferry_transport_exchanges_total\{/ {
      match($0, /transport="[^"]*"/); tr[substr($0, RSTART + 11, RLENGTH - 12)] += val()
    }
    /^ferry_breaker_state\{/ && /backend="new"/ && val() == 1 { match($0, /state="[^"]*"/); br = substr($0, RSTART + 7, RLENGTH - 8) }
    END {
      printf "%s,%s,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%d,%s\n", t, phase, heap, jvmdirect, netty, fds,
        threads, conns, requests, by["forwarded"], by["client_closed"], by["breaker_open"], by["backend_closed"],
        by["backend_timeout"], by["tenant_missing"], by["request_invalid"], tr["fast"], tr["reactor"], br
    }' "$DIR/metrics.txt" >>"$CSV"
}

sample 0 start
start=$SECONDS
java "$TRAFFIC" "http://127.0.0.1:$PORT" "$DURATION" "$RATE" "$DIR/traffic.tsv" >"$DIR/traffic.log" 2>&1 &
TRAFFIC_PID=$!
pids+=("$TRAFFIC_PID")
next=$SAMPLE
while kill -0 "$TRAFFIC_PID" 2>/dev/null && [ $((SECONDS - start)) -lt $((DURATION + 60)) ]; do
  if [ $((SECONDS - start)) -ge "$next" ] && [ "$next" -le "$DURATION" ]; then
    sample "$next" load
    echo "$(tail -n 1 "$CSV")" >&2
    next=$((next + SAMPLE))
  fi
  sleep 1
done
traffic_rc=0
kill "$TRAFFIC_PID" 2>/dev/null || true # it ends on its own well before this bound; past it, it is stopped
wait "$TRAFFIC_PID" || traffic_rc=$?
# Idle: the client's connections close with it; let the router see them go
sleep 5
sample $((SECONDS - start)) idle
# Netty reports a leaked buffer when it allocates after the GC that found it: a few requests after the last GC
for i in $(seq 1 10); do
  curl -s -o /dev/null --max-time 5 -H "X-Tenant-Id: soak-legacy-$i" "http://127.0.0.1:$PORT/items" || true
  curl -s -o /dev/null --max-time 5 --http2 -H "X-Tenant-Id: soak-new-$i" "http://127.0.0.1:$PORT/items" || true
done
jcmd "$ROUTER_PID" GC.class_histogram >"$DIR/class-histogram.txt" 2>/dev/null || true

echo "$traffic_rc" >"$DIR/traffic.rc"
verdict
