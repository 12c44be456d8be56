#!/usr/bin/env bash
# Side-by-side benchmark on one machine, in one run: the same requests sent direct to a fast backend, through nginx
# routing by tenant (a map on the tenant header, keep-alive upstream pools), and through Ferry.
#
#   loadtest/bench/side-by-side.sh            # 3 interleaved rounds of 10 s per case after a 15 s warm-up
#   ROUNDS=5 SECONDS_PER_RUN=20 loadtest/bench/side-by-side.sh
#   EXTRA_CONFIG="access-log: { enabled: true, file: /tmp/access.log }" TARGETS=ferry CASES=get:32 FIXED_RATES= \
#     loadtest/bench/side-by-side.sh        # Ferry with more config: the cost of the access log
#   JVM_OPTS="... -XX:StartFlightRecording=filename=/tmp/ferry.jfr,settings=profile" CASES=get:32 TARGETS=ferry \
#     loadtest/bench/side-by-side.sh        # Ferry's JVM options (a profile with JFR); one case, one target
#   FIXED_RATES=11600 FIXED_SECONDS=60 FIXED_TARGETS=ferry FIXED_POST_PERCENT=20 FIXED_TENANTS=10000 \
#     CASES=get:32 TARGETS=ferry ROUNDS=1 loadtest/bench/side-by-side.sh   # 1 billion requests a day, for a minute
#
# Layout on a 2-core machine: the proxy under test is pinned to core 0; the load generator (wrk) and the backends
# (one nginx worker serving both "legacy" and "new") share core 1. Reports req/s, p50/p99/p99.9 latency, the proxy's
# CPU microseconds per request (its user+system time over the requests it served), its RSS, and the ratios to direct
# and to nginx. Results go to stdout and to loadtest/bench/results/<timestamp>/ (raw wrk output and a summary).
# Installs wrk and nginx from Debian if missing. Everything listens on 127.0.0.1 only; every run is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
ROUNDS=${ROUNDS:-3}
# More of Ferry's config, as YAML lines, such as "access-log: { enabled: true, file: /tmp/access.log }"
EXTRA_CONFIG=${EXTRA_CONFIG:-}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-10}
WARMUP_SECONDS=${WARMUP_SECONDS:-15}
PROXY_CORE=${PROXY_CORE:-0}
LOAD_CORE=${LOAD_CORE:-1}
CASES=${CASES:-"get:32 get:256 post:32 post:256"}
TARGETS=${TARGETS:-"direct nginx ferry"}
# Ports BENCH_PORT to +3 and +10 (the second backend); another base when those are taken
BACKEND_PORT=${BENCH_PORT:-19080}
NGINX_PORT=$((BACKEND_PORT + 1))
FERRY_PORT=$((BACKEND_PORT + 2))
FERRY_ADMIN_PORT=$((BACKEND_PORT + 3))
OUT="$ROOT/loadtest/bench/results/$(date -u +%Y%m%dT%H%M%SZ)"
WORK=$(mktemp -d)
mkdir -p "$OUT"

need=()
command -v wrk >/dev/null || need+=(wrk)
[ -x /usr/sbin/nginx ] || need+=(nginx-light)
if [ ${#need[@]} -gt 0 ]; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need[@]}" >/dev/null
  $sudo_cmd service nginx stop >/dev/null 2>&1 || true
fi
JAR=router/target/ferry-router.jar
[ -f "$JAR" ] || ./mvnw -q -B -pl router -am package -DskipTests -Dspotless.check.skip=true

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# --- backends: one nginx worker, two ports (legacy, new), a small response to every request (reading POST bodies) ---
mkdir -p "$WORK/backend" "$WORK/proxy"
cat > "$WORK/backend/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $WORK/backend/nginx.pid;
error_log $WORK/backend/error.log warn;
worker_rlimit_nofile 65536;
events { worker_connections 16384; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_buffer_size 16k;
  server { listen 127.0.0.1:$BACKEND_PORT; location / { return 200 "legacy\n"; } }
  server { listen 127.0.0.1:$((BACKEND_PORT + 10)); location / { return 200 "new\n"; } }
}
NGINX
taskset -c "$LOAD_CORE" /usr/sbin/nginx -c "$WORK/backend/nginx.conf" -p "$WORK/backend" &
pids+=($!)

# --- nginx as the tenant router: the same decision as Ferry's flags file below ---
cat > "$WORK/proxy/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $WORK/proxy/nginx.pid;
error_log $WORK/proxy/error.log warn;
worker_rlimit_nofile 65536;
events { worker_connections 16384; }
http {
  access_log off;
  keepalive_requests 1000000;
  map \$http_x_tenant_id \$backend { default legacy; globex new; }
  upstream legacy { server 127.0.0.1:$BACKEND_PORT; keepalive 512; }
  upstream new { server 127.0.0.1:$((BACKEND_PORT + 10)); keepalive 512; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://\$backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_buffering on;
      add_header X-Ferry-Backend \$backend always;
    }
  }
}
NGINX
taskset -c "$PROXY_CORE" /usr/sbin/nginx -c "$WORK/proxy/nginx.conf" -p "$WORK/proxy" &
pids+=($!)
NGINX_PROXY_PID=$!

# --- Ferry, on one core, routing acme -> legacy, globex -> new from a flags file ---
sed 's/"values": \["globex"\]/"values": ["globex"]/' router/src/main/resources/demo/flags.json > "$WORK/flags.json"
cat > "$WORK/ferry.yaml" <<YAML
listen: { host: 127.0.0.1, port: $FERRY_PORT, protocols: [http1] }
admin: { port: $FERRY_ADMIN_PORT }
backends:
  legacy.url: http://127.0.0.1:$BACKEND_PORT
  new.url: http://127.0.0.1:$((BACKEND_PORT + 10))
flags: { source: file, file: $WORK/flags.json, held-file: $WORK/held.json }
forwarding: { served-by-header: X-Ferry-Backend }
pool: { max-connections: 1024 }
$EXTRA_CONFIG
YAML
JVM_OPTS=${JVM_OPTS:-"-Xms256m -Xmx256m -XX:+UseParallelGC -XX:ActiveProcessorCount=1 -Dreactor.netty.ioWorkerCount=1 -Dio.netty.leakDetection.level=disabled"}
# shellcheck disable=SC2086
taskset -c "$PROXY_CORE" java $JVM_OPTS -jar "$JAR" --config "$WORK/ferry.yaml" > "$OUT/ferry.log" 2>&1 &
pids+=($!)
FERRY_PID=$!
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$FERRY_ADMIN_PORT/health/ready" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$FERRY_ADMIN_PORT/health/ready" >/dev/null || { echo "Ferry did not become ready; see $OUT/ferry.log"; exit 1; }

cat > "$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = string.rep("x", 1024)
wrk.headers["Content-Type"] = "application/octet-stream"
LUA
cat > "$WORK/report.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("FERRY_BENCH requests=%d errors=%d p50=%d p99=%d p999=%d duration_us=%d\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status
    + summary.errors.timeout, latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
    summary.duration))
end
LUA
cat "$WORK/report.lua" >> "$WORK/post.lua"

url_for() {
  case "$1" in
    direct) echo "http://127.0.0.1:$BACKEND_PORT/";;
    nginx) echo "http://127.0.0.1:$NGINX_PORT/";;
    ferry) echo "http://127.0.0.1:$FERRY_PORT/";;
  esac
}
pid_for() { case "$1" in nginx) pgrep -P "$NGINX_PROXY_PID" -f "nginx: worker" || echo "$NGINX_PROXY_PID";; ferry) echo "$FERRY_PID";; *) echo "";; esac; }
cpu_ticks() { [ -n "$1" ] && awk '{print $14 + $15}' "/proc/$1/stat" || echo 0; }
rss_kib() { [ -n "$1" ] && awk '/VmRSS/ {print $2}' "/proc/$1/status" || echo 0; }
hwm_kib() { [ -n "$1" ] && awk '/VmHWM/ {print $2}' "/proc/$1/status" || echo 0; }

run() { # target method connections seconds label
  local target=$1 method=$2 conns=$3 secs=$4 label=$5 script pid before after
  script="$WORK/report.lua"; [ "$method" = post ] && script="$WORK/post.lua"
  pid=$(pid_for "$target"); before=$(cpu_ticks "$pid")
  taskset -c "$LOAD_CORE" wrk -t1 -c"$conns" -d"${secs}s" --timeout 5s -H "X-Tenant-Id: acme" -s "$script" \
    "$(url_for "$target")" > "$OUT/$label.txt" 2>&1 || true
  after=$(cpu_ticks "$pid")
  echo "$label $target $method $conns $((after - before)) $(rss_kib "$pid") $(grep FERRY_BENCH "$OUT/$label.txt" | cut -d' ' -f2-)" >> "$OUT/runs.txt"
}

echo "Warming up ($WARMUP_SECONDS s per target)..."
for target in $TARGETS; do run "$target" get 32 "$WARMUP_SECONDS" "warmup-$target"; done
: > "$OUT/runs.txt"
for round in $(seq 1 "$ROUNDS"); do
  for case in $CASES; do
    for target in $TARGETS; do
      echo "round $round: $target ${case%%:*} ${case##*:} connections"
      run "$target" "${case%%:*}" "${case##*:}" "$SECONDS_PER_RUN" "r$round-$target-${case%%:*}-${case##*:}"
    done
  done
done

# --- fixed-rate latency (open model: Gatling's constant arrival rate), the same traffic to nginx and to Ferry ---
FIXED_RATES=${FIXED_RATES-"2000 10000"}
FIXED_SECONDS=${FIXED_SECONDS:-30}
FIXED_TARGETS=${FIXED_TARGETS:-"nginx ferry"}
FIXED_POST_PERCENT=${FIXED_POST_PERCENT:-0}
FIXED_TENANTS=${FIXED_TENANTS:-1000}
: > "$OUT/fixed.txt"
if [ -n "$FIXED_RATES" ]; then
  # The simulations use flags-admin's code: install the modules they need, then run them alone
  ./mvnw -q -B -pl loadtest -am install -DskipTests -Dspotless.check.skip=true >/dev/null
  for rate in $FIXED_RATES; do
    for target in $FIXED_TARGETS; do
      port=$NGINX_PORT; [ "$target" = ferry ] && port=$FERRY_PORT
      echo "fixed rate: $target at $rate req/s for $FIXED_SECONDS s (after a 10 s ramp)"
      taskset -c "$LOAD_CORE" ./mvnw -B -pl loadtest gatling:test \
        -Dgatling.simulationClass=dev.ferry.loadtest.SteadyTenantMixSimulation \
        -Dferry.baseUrl="http://127.0.0.1:$port" -Drate="$rate" -Dramp=10 -Dduration="$FIXED_SECONDS" \
        -DpostPercent="$FIXED_POST_PERCENT" -Dtenants="$FIXED_TENANTS" -Dp99Millis=10000 > "$OUT/fixed-$target-$rate.txt" 2>&1 || true
      awk -F'|' -v t="$target" -v r="$rate" '
        function v(x) { gsub(/[ ,]/, "", x); return x }
        /^> request count/ {n=v($2); ko=v($4); if (ko == "-") ko = 0} /^> response time 50th/ {p50=v($2)} /^> response time 95th/ {p95=v($2)}
        /^> response time 99th/ {p99=v($2)} /^> max response time/ {max=v($2)}
        END {print t, r, n, ko, p50, p95, p99, max}' "$OUT/fixed-$target-$rate.txt" | tr '\n' ' ' >> "$OUT/fixed.txt"
      echo "$(( $(rss_kib "$(pid_for "$target")") / 1024 ))" >> "$OUT/fixed.txt"
    done
  done
fi

CLK_TCK=$(getconf CLK_TCK)
python3 - "$OUT/runs.txt" "$CLK_TCK" "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" <<'PY' | tee "$OUT/summary.md"
import sys, statistics, collections
runs, tck, cores, cpu = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = collections.defaultdict(list)
for line in open(runs):
    p = line.split()
    label, target, method, conns, ticks, rss = p[:6]
    kv = dict(x.split("=") for x in p[6:])
    req = int(kv["requests"]); dur = int(kv["duration_us"]) / 1e6
    rows[(method, int(conns), target)].append(dict(
        rps=req / dur, errors=int(kv["errors"]), p50=int(kv["p50"]) / 1000, p99=int(kv["p99"]) / 1000,
        p999=int(kv["p999"]) / 1000, cpu_us=(int(ticks) / tck * 1e6 / req) if target != "direct" else None,
        rss=int(rss) // 1024))
print(f"Machine: {cores} cores ({cpu}); proxy on one core, wrk and the backends on the other. Medians of rounds.\n")
print("| case | target | req/s | p50 ms | p99 ms | p99.9 ms | errors | CPU µs/req | RSS MiB | req/s vs direct | req/s vs nginx | CPU vs nginx |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
med = lambda xs: statistics.median(xs) if xs else None
for (method, conns) in sorted({(m, c) for (m, c, _) in rows}):
    agg = {}
    for target in ("direct", "nginx", "ferry"):
        r = rows.get((method, conns, target))
        if not r: continue
        agg[target] = {k: med([x[k] for x in r if x[k] is not None]) for k in r[0]}
        agg[target]["errors"] = sum(x["errors"] for x in r)
    for target, a in agg.items():
        vs_direct = f"{a['rps'] / agg['direct']['rps']:.2f}" if "direct" in agg else ""
        vs_nginx = f"{a['rps'] / agg['nginx']['rps']:.2f}" if "nginx" in agg and target != "direct" else ""
        cpu_vs = f"{a['cpu_us'] / agg['nginx']['cpu_us']:.2f}" if a["cpu_us"] and "nginx" in agg and agg["nginx"]["cpu_us"] else ""
        cpu = f"{a['cpu_us']:.1f}" if a["cpu_us"] else ""
        print(f"| {method.upper()} {conns} conns | {target} | {a['rps']:,.0f} | {a['p50']:.2f} | {a['p99']:.2f} | {a['p999']:.2f} "
              f"| {a['errors']} | {cpu} | {a['rss'] if target != 'direct' else ''} | {vs_direct} | {vs_nginx} | {cpu_vs} |")
PY
if [ -s "$OUT/fixed.txt" ]; then
  {
    echo
    echo "Fixed rate (open model, Gatling on the load core, $FIXED_POST_PERCENT % POST, $FIXED_TENANTS Zipf-skewed tenants;"
    echo "failed: a status other than 2xx or no X-Ferry-Backend header; ms):"
    echo
    echo "| rate | target | requests | failed | p50 | p95 | p99 | max | RSS MiB after |"
    echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    while read -r target rate n ko p50 p95 p99 max rss; do
      echo "| $rate req/s | $target | $n | $ko | $p50 | $p95 | $p99 | $max | $rss |"
    done < "$OUT/fixed.txt"
  } | tee -a "$OUT/summary.md"
fi
for target in nginx ferry; do
  pid=$(pid_for "$target")
  [ -n "$pid" ] && [ -r "/proc/$pid/status" ] && echo "Peak RSS of $target over the whole run: $(( $(hwm_kib "$pid") / 1024 )) MiB" | tee -a "$OUT/summary.md"
done
echo "Ferry's JVM options: $JVM_OPTS" | tee -a "$OUT/summary.md"
echo
echo "Raw output and this summary: $OUT"
