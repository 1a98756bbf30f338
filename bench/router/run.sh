#!/usr/bin/env bash
# Router benchmark: wrk against a tiny backend directly, through Slipway's built-in router and through
# nginx (weighted upstream, keep-alive), interleaved per round, in one run. See README.md.
#
#   bench/router/run.sh [--duration 10s] [--warmup 30s] [--connections 32] [--threads 2] [--rounds 3]
#                       [--latency-connections 4] [--latency-duration 5s] [--light-windows 3] [--backend-threads 2]
#                       [--nginx-workers CPUs] [--router-jvm-opts "..."] [--router-b-opts "..."]
#                       [--rebuild-router] [--keep] [--jfr] [--floor]
#
# Everything listens on and talks to 127.0.0.1 only. Every process started here is stopped on exit,
# error or Ctrl-C.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
TARGET="$HERE/target"

DURATION=10s
# Long enough for the JIT: with wrk, backend and router sharing 2 busy CPUs, the router's C2 compiler thread was
# still busy 20-30 s into the load (and quiet after 40 s), so a 10 s warm-up charged compiling to the first rounds.
WARMUP=30s
CONNECTIONS=32
THREADS=2
ROUNDS=3
LAT_CONNECTIONS=4
LAT_DURATION=5s
# Light windows per target and round. One stall of the whole machine (seen here: ~100 ms, hitting every process,
# in 2-40 % of the 5 s windows of a run) turns a window's p99 into tens of ms through wrk's coordinated-omission
# correction, so the light p99 is a median over rounds x windows, not over 3-5 rounds.
LIGHT_WINDOWS=3
# A window whose slowest request took this long (ms) had such a stall; the report counts them per target.
STALL_MS=50
BACKEND_THREADS=2
NGINX_WORKERS="$(nproc)"   # the router runs one event loop per core: nginx gets one worker per core too
ROUTER_JVM_OPTS="-Xms256m -Xmx256m"
BACKEND_JVM_OPTS="-Xms256m -Xmx256m"
ROUTER_B_OPTS=""
REBUILD_ROUTER=0
KEEP=0
JFR=0
FLOOR=0

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --latency-connections) LAT_CONNECTIONS="$2"; shift 2 ;;   # 0 = no light-load pass
    --latency-duration) LAT_DURATION="$2"; shift 2 ;;
    --light-windows) LIGHT_WINDOWS="$2"; shift 2 ;;
    --backend-threads) BACKEND_THREADS="$2"; shift 2 ;;
    --nginx-workers) NGINX_WORKERS="$2"; shift 2 ;;
    --router-jvm-opts) ROUTER_JVM_OPTS="$2"; shift 2 ;;
    --router-b-opts) ROUTER_B_OPTS="$2"; shift 2 ;;   # a second router (router-b) with these JVM options added
    --rebuild-router) REBUILD_ROUTER=1; shift ;;
    --keep) KEEP=1; shift ;;   # keep the temp nginx dir for inspection
    --jfr) JFR=1; shift ;;     # one more router load pass under JFR: allocation per request, CPU by part
    --floor) FLOOR=1; shift ;; # a fourth target: a Netty proxy that only forwards bytes (RawProxy)
    -h|--help) usage 0 ;;
    *) echo "unknown option: $1" >&2; usage 2 ;;
  esac
done
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "--rounds must be a positive integer" >&2; exit 2; }
[[ "$LIGHT_WINDOWS" =~ ^[1-9][0-9]*$ ]] || { echo "--light-windows must be a positive integer" >&2; exit 2; }

log() { printf '[bench] %s\n' "$*" >&2; }

# ---- cleanup: only the processes this script started, by pid -------------------------------------
PIDS=()
TMP=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ -n "$TMP" && -d "$TMP" && "$KEEP" != 1 ]]; then rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# ---- 1. tools ---------------------------------------------------------------------------------------
missing=()
command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
if [[ ${#missing[@]} -gt 0 ]]; then
  log "installing ${missing[*]} with apt-get"
  [[ $EUID -eq 0 ]] || { echo "need root to apt-get install ${missing[*]}" >&2; exit 1; }
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
command -v javac >/dev/null || { echo "javac (JDK 17) is required" >&2; exit 1; }

# ---- 2. launcher ------------------------------------------------------------------------------------
# The router is measured as built from this checkout: a reactor build of router and the modules it needs (model)
# into their target/ folders, never from ~/.m2 (`mvn install` there would be shared with every other checkout).
# Works on a fresh machine: no offline mode, and the dependency plugin is named with its version (unpinned, Maven
# picks an old one that may not be downloaded). In the reactor, slipway-model resolves to this checkout's build.
DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
mkdir -p "$TARGET/classes"
ROUTER_CLASSES="$REPO/router/target/classes"
if [[ "$REBUILD_ROUTER" == 1 || ! -d "$ROUTER_CLASSES/dev" || ! -s "$TARGET/router.classpath" \
      || -n "$(find "$REPO/router/pom.xml" "$REPO/model/pom.xml" "$REPO/pom.xml" "$REPO/router/src/main" \
                    "$REPO/model/src/main" -newer "$TARGET/router.classpath" -print -quit)" ]]; then
  log "building the router module and resolving its classpath (mvn -pl router -am package $DEPENDENCY_PLUGIN:build-classpath)"
  # Every reactor module writes the file in turn; router comes last, so it ends up with the router's classpath.
  (cd "$REPO" && mvn -q -B -pl router -am package "$DEPENDENCY_PLUGIN:build-classpath" -DskipTests \
      -Dmdep.outputFile="$TARGET/router.classpath" -Dstyle.color=never >/dev/null)
fi
CP="$ROUTER_CLASSES:$(cat "$TARGET/router.classpath")"
ROUTER_JAR="$ROUTER_CLASSES/dev/slipway/router/BuiltInRouter.class"   # freshness check for the launcher
SRC="$HERE/src/dev/slipway/bench/RouterBench.java"
if [[ ! -f "$TARGET/classes/dev/slipway/bench/RouterBench.class" || "$ROUTER_JAR" -nt "$TARGET/classes/dev/slipway/bench/RouterBench.class" \
      || -n "$(find "$HERE/src" -name '*.java' -newer "$TARGET/classes/dev/slipway/bench/RouterBench.class" -print -quit)" ]]; then
  log "compiling the launcher"
  javac --release 17 -nowarn -cp "$CP" -sourcepath "$HERE/src" -d "$TARGET/classes" "$SRC"
fi
cp "$HERE/src/resources/logback.xml" "$TARGET/classes/logback.xml"
RUN_CP="$TARGET/classes:$CP"

RUN_DIR="$TARGET/run-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$RUN_DIR"
TMP="$(mktemp -d /tmp/slipway-bench-router.XXXXXX)"

# Starts a JVM in the background and waits for the line starting with $1 on its stdout; puts that line
# into STARTED_LINE (no subshell, so that PIDS keeps the pid).
STARTED_LINE=""
start_java() {
  local tag="$1" name="$2" opts="$3"; shift 3
  local out="$RUN_DIR/$name.out"
  # shellcheck disable=SC2086
  java $opts -cp "$RUN_CP" dev.slipway.bench.RouterBench "$@" >"$out" 2>"$RUN_DIR/$name.err" </dev/null &
  PIDS+=("$!")
  for _ in $(seq 1 150); do
    if grep -q "^$tag " "$out" 2>/dev/null; then STARTED_LINE="$(grep -m1 "^$tag " "$out")"; return 0; fi
    kill -0 "${PIDS[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "$name did not start; see $RUN_DIR/$name.err:" >&2; cat "$RUN_DIR/$name.err" >&2; return 1
}

# ---- start backend + router ------------------------------------------------------------------------
start_java backend backend "$BACKEND_JVM_OPTS" backend "$BACKEND_THREADS"
BACKEND_PID="${PIDS[-1]}"
read -r _ B1 B2 <<<"$STARTED_LINE"
log "backends on 127.0.0.1:$B1 and 127.0.0.1:$B2"
# The router JVM gets the options RouterProcess gives the real router process, after --router-jvm-opts.
ROUTER_PROCESS_OPTS="$(java -cp "$RUN_CP" dev.slipway.bench.RouterBench jvm-options)"
start_java router router "$ROUTER_JVM_OPTS $ROUTER_PROCESS_OPTS" router "$B1" "$B2"
read -r _ RPORT RADMIN <<<"$STARTED_LINE"
log "Slipway router on 127.0.0.1:$RPORT (admin $RADMIN)"
ROUTER_PID="${PIDS[-1]}"

# ---- 3. nginx ----------------------------------------------------------------------------------------
NPORT="$(java -cp "$RUN_CP" dev.slipway.bench.RouterBench freeport)"
mkdir -p "$TMP/logs" "$TMP/tmp"
cat >"$TMP/nginx.conf" <<EOF
worker_processes $NGINX_WORKERS;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  # The router keeps a client connection open for as many requests as the client sends: so does nginx here
  # (its default closes it after 1000 requests, and an upstream connection too, which costs it reconnects).
  keepalive_requests 1000000;
  client_body_temp_path $TMP/tmp/body;
  proxy_temp_path $TMP/tmp/proxy;
  fastcgi_temp_path $TMP/tmp/fastcgi;
  uwsgi_temp_path $TMP/tmp/uwsgi;
  scgi_temp_path $TMP/tmp/scgi;
  upstream backends {
    server 127.0.0.1:$B1 weight=1;
    server 127.0.0.1:$B2 weight=1;
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$NPORT;
    location / {
      proxy_pass http://backends;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # What the router sends upstream too: the client's Host, and X-Forwarded-For/-Proto set by the proxy.
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
}
EOF
chmod 755 "$TMP"
"$NGINX" -t -q -p "$TMP" -c "$TMP/nginx.conf"
"$NGINX" -p "$TMP" -c "$TMP/nginx.conf" >"$RUN_DIR/nginx.out" 2>&1 &
PIDS+=("$!")
NGINX_PID="${PIDS[-1]}"
for _ in $(seq 1 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$NPORT") 2>/dev/null && break
  sleep 0.1
done
log "nginx $("$NGINX" -v 2>&1 | sed 's/.*\///') on 127.0.0.1:$NPORT ($NGINX_WORKERS workers)"

# --router-b-opts: the same router with more JVM options, an A/B in one run (e.g. a -D switch of the router).
if [[ -n "$ROUTER_B_OPTS" ]]; then
  start_java router router-b "$ROUTER_JVM_OPTS $ROUTER_PROCESS_OPTS $ROUTER_B_OPTS" router "$B1" "$B2"
  read -r _ RBPORT _ <<<"$STARTED_LINE"
  ROUTER_B_PID="${PIDS[-1]}"
  log "router-b ($ROUTER_B_OPTS) on 127.0.0.1:$RBPORT"
fi

# --floor: the same JVM options as the router, a proxy that does nothing but forward bytes.
if [[ "$FLOOR" == 1 ]]; then
  start_java raw raw "$ROUTER_JVM_OPTS $ROUTER_PROCESS_OPTS" raw "$B1" "$B2"
  read -r _ RAWPORT <<<"$STARTED_LINE"
  RAW_PID="${PIDS[-1]}"
  log "raw Netty proxy (the floor) on 127.0.0.1:$RAWPORT"
fi

# ---- 4. wrk -----------------------------------------------------------------------------------------
TARGETS=(direct router nginx)
declare -A URL=(
  [direct]="http://127.0.0.1:$B1/"
  [router]="http://127.0.0.1:$RPORT/"
  [nginx]="http://127.0.0.1:$NPORT/"
)
# The process whose CPU time a pass charges to its target: the backend for direct, the proxy otherwise
# (nginx: master and workers). CPU time per request barely moves when other work shares the machine,
# unlike req/s, so it is the steadier measure of what a request costs the proxy.
declare -A CPU_PID=([direct]="$BACKEND_PID" [router]="$ROUTER_PID" [nginx]="$NGINX_PID")
if [[ -n "$ROUTER_B_OPTS" ]]; then
  TARGETS+=(router-b)
  URL[router-b]="http://127.0.0.1:$RBPORT/"
  CPU_PID[router-b]="$ROUTER_B_PID"
fi
if [[ "$FLOOR" == 1 ]]; then
  TARGETS+=(raw)
  URL[raw]="http://127.0.0.1:$RAWPORT/"
  CPU_PID[raw]="$RAW_PID"
fi

# Sanity check: each path answers 200 with the backend's body.
for t in "${TARGETS[@]}"; do
  body="$(wrk -t1 -c1 -d1s "${URL[$t]}" 2>&1 | grep -E 'Non-2xx|Requests/sec' || true)"
  if grep -q 'Non-2xx' <<<"$body"; then echo "$t (${URL[$t]}) does not answer 2xx" >&2; exit 1; fi
done

CLK_TCK="$(getconf CLK_TCK)"
# cpu_ticks PID -> user + system clock ticks of PID and its direct children
cpu_ticks() {
  local total=0 p fields
  for p in "$1" $(pgrep -P "$1" 2>/dev/null); do
    # Fields after the ")" that ends the command name: utime and stime are the 12th and 13th.
    fields="$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null)" || continue
    total=$((total + $(awk '{print $12 + $13}' <<<"$fields")))
  done
  echo "$total"
}

# to_ms VALUE_WITH_UNIT -> milliseconds
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u);
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
    printf "%.3f", n }'
}

# run_wrk TARGET THREADS CONNECTIONS DURATION OUTFILE -> sets W_RPS W_P50 W_P99 W_MAX (ms) W_ERRS W_CPU (µs/request)
run_wrk() {
  local t="$1" th="$2" c="$3" d="$4" out="$5" before after requests
  before="$(cpu_ticks "${CPU_PID[$t]}")"
  wrk --latency -t"$th" -c"$c" -d"$d" "${URL[$t]}" >"$out" 2>&1
  after="$(cpu_ticks "${CPU_PID[$t]}")"
  requests="$(awk '/ requests in / {print $1; exit}' "$out")"
  W_CPU="$(awk -v t="$((after - before))" -v n="${requests:-0}" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0) }')"
  W_RPS="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
  W_P50="$(awk '$1 == "50%" {print $2; exit}' "$out")"
  W_P99="$(awk '$1 == "99%" {print $2; exit}' "$out")"
  W_MAX="$(awk '$1 == "Latency" {print $4; exit}' "$out")"
  W_ERRS="$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$out")"
  [[ -n "$W_RPS" && -n "$W_P50" && -n "$W_P99" && -n "$W_MAX" ]] || { echo "could not parse wrk output $out:" >&2; cat "$out" >&2; exit 1; }
  W_P50="$(to_ms "$W_P50")"; W_P99="$(to_ms "$W_P99")"; W_MAX="$(to_ms "$W_MAX")"
}

# Which Netty transport the router runs on: the native epoll library is mapped into its process when used.
ROUTER_TRANSPORT="$(grep -q netty_transport_native_epoll "/proc/$ROUTER_PID/maps" 2>/dev/null && echo epoll || echo nio)"
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
log "warm-up: $WARMUP against each target (JIT, connection pools)"
for t in "${TARGETS[@]}"; do
  run_wrk "$t" "$THREADS" "$CONNECTIONS" "$WARMUP" "$RUN_DIR/warmup-$t.txt"
done

# Two passes per target and round, interleaved (direct, router, nginx, direct, ...):
#   load  : -t$THREADS -c$CONNECTIONS for $DURATION  -> throughput, and latency at saturation
#   light : -t1 -c$LAT_CONNECTIONS for $LAT_DURATION -> latency when nothing queues (the added cost per hop)
PASSES=(load)
[[ "$LAT_CONNECTIONS" -gt 0 ]] && PASSES+=(light)
# Samples are named ROUND (load) or ROUND.WINDOW (light, --light-windows per target and round, interleaved too).
declare -A RPS P50 P99 MAX ERRS CPU SAMPLES
for r in $(seq 1 "$ROUNDS"); do
  for pass in "${PASSES[@]}"; do
    windows=1
    [[ $pass == light ]] && windows="$LIGHT_WINDOWS"
    for w in $(seq 1 "$windows"); do
      id="$r"
      [[ $pass == light ]] && id="$r.$w"
      SAMPLES[$pass]+=" $id"
      for t in "${TARGETS[@]}"; do
        if [[ $pass == load ]]; then
          run_wrk "$t" "$THREADS" "$CONNECTIONS" "$DURATION" "$RUN_DIR/round$id-$pass-$t.txt"
        else
          run_wrk "$t" 1 "$LAT_CONNECTIONS" "$LAT_DURATION" "$RUN_DIR/round$id-$pass-$t.txt"
        fi
        RPS[$pass,$t,$id]=$W_RPS; P50[$pass,$t,$id]=$W_P50; P99[$pass,$t,$id]=$W_P99; MAX[$pass,$t,$id]=$W_MAX
        ERRS[$pass,$t,$id]=$W_ERRS; CPU[$pass,$t,$id]=$W_CPU
        log "round $id/$ROUNDS $pass $t: $W_RPS req/s, p50 $W_P50 ms, p99 $W_P99 ms, max $W_MAX ms, cpu $W_CPU µs/req$([[ "$W_ERRS" != 0 ]] && echo ", errors $W_ERRS")"
      done
    done
  done
done

# ---- 4b. router profile (--jfr) ---------------------------------------------------------------------
# One more load pass against the router, outside the medians, under Java Flight Recorder: the JDK's "profile"
# settings with CPU sampling every 1 ms (10 ms gives too few samples of a router that gets one core).
JFR_SUMMARY=""
if [[ "$JFR" == 1 ]]; then
  JAVA_HOME_DIR="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
  sed 's|<setting name="period" control="method-sampling-java-interval">[^<]*<|<setting name="period" control="method-sampling-java-interval">1 ms<|' \
    "$JAVA_HOME_DIR/lib/jfr/profile.jfc" >"$TMP/profile.jfc"
  jcmd "$ROUTER_PID" JFR.start name=bench settings="$TMP/profile.jfc" filename="$RUN_DIR/router.jfr" >/dev/null
  run_wrk router "$THREADS" "$CONNECTIONS" "$DURATION" "$RUN_DIR/jfr-load-router.txt"
  jcmd "$ROUTER_PID" JFR.stop name=bench >/dev/null
  log "JFR pass router: $W_RPS req/s, cpu $W_CPU µs/req (with the recorder on)"
  JFR_SUMMARY="$(java "$HERE/src/dev/slipway/bench/JfrSummary.java" "$RUN_DIR/router.jfr" \
    "$(awk '/ requests in / {print $1; exit}' "$RUN_DIR/jfr-load-router.txt")")"
fi

# ---- 5. report ---------------------------------------------------------------------------------------
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR] = $1} END {
  if (NR % 2) printf "%.3f", a[(NR + 1) / 2]; else printf "%.3f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
declare -A MRPS MP50 MP99 MCPU STALLS
for pass in "${PASSES[@]}"; do
  for t in "${TARGETS[@]}"; do
    rs=""; p5=""; p9=""; cs=""; stalls=0
    for id in ${SAMPLES[$pass]}; do
      rs+=" ${RPS[$pass,$t,$id]}"; p5+=" ${P50[$pass,$t,$id]}"; p9+=" ${P99[$pass,$t,$id]}"; cs+=" ${CPU[$pass,$t,$id]}"
      awk -v m="${MAX[$pass,$t,$id]}" -v s="$STALL_MS" 'BEGIN { exit !(m >= s) }' && stalls=$((stalls + 1))
    done
    MRPS[$pass,$t]="$(median <<<"$rs")"; MP50[$pass,$t]="$(median <<<"$p5")"; MP99[$pass,$t]="$(median <<<"$p9")"
    MCPU[$pass,$t]="$(median <<<"$cs")"; STALLS[$pass,$t]="$stalls"
  done
done
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
verdict() { awk "BEGIN { print ($1) ? \"PASS\" : \"FAIL\" }"; }


REPORT="$RUN_DIR/report.md"
{
  echo "## Router benchmark ($(date -u +%Y-%m-%dT%H:%MZ))"
  echo
  echo "Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), kernel $(uname -r);" \
       "$(java -version 2>&1 | head -1 | sed 's/"//g'); nginx $("$NGINX" -v 2>&1 | sed 's/.*\///'); $(wrk -v 2>&1 | head -1 | awk '{print "wrk", $2}')."
  echo "wrk, client, backend and proxy all share these CPUs. Load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)."
  if awk -v l="${LOAD_BEFORE%% *}" -v n="$(nproc)" 'BEGIN { exit !(l > n / 4) }'; then
    echo
    echo "**Warning: the machine was busy before the run (load ${LOAD_BEFORE%% *} on $(nproc) CPUs); other work competes with"
    echo "every target and the tails (p99) mostly show that. Re-run on an idle machine before judging the targets.**"
  fi
  echo
  echo "Setup: $ROUNDS interleaved rounds after a $WARMUP warm-up per target. load = \`wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency\`;"
  [[ "$LAT_CONNECTIONS" -gt 0 ]] && echo "light = \`wrk -t1 -c$LAT_CONNECTIONS -d$LAT_DURATION --latency\`, $LIGHT_WINDOWS windows per target and round."
  echo "Backend: 2 Netty HTTP/1.1 instances in one JVM ($BACKEND_THREADS event-loop threads, fixed 33-byte body)." \
       "Router: BuiltInRouter on Netty $ROUTER_TRANSPORT, revisions a/b 50/50 ($ROUTER_JVM_OPTS $ROUTER_PROCESS_OPTS). nginx: $NGINX_WORKERS workers, weighted upstream 1/1, keepalive 64, keepalive_requests 1000000 (client and upstream), Host/X-Forwarded-For/X-Forwarded-Proto set as the router does."
  [[ -n "$ROUTER_B_OPTS" ]] && echo "router-b (--router-b-opts): the same router with \`$ROUTER_B_OPTS\` added to its JVM options."
  [[ "$FLOOR" == 1 ]] && echo "raw (--floor): RawProxy, a Netty proxy that only forwards bytes (no HTTP work), same transport and JVM options as the router."
  echo
  if [[ "$LAT_CONNECTIONS" -gt 0 ]]; then
    echo "| target | req/s (load) | p50 ms (load) | p99 ms (load) | CPU µs/req (load) | req/s (light) | p50 ms (light) | p99 ms (light) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    for t in "${TARGETS[@]}"; do
      printf '| %s | %.0f | %.3f | %.3f | %.1f | %.0f | %.3f | %.3f |\n' "$t" "${MRPS[load,$t]}" "${MP50[load,$t]}" \
        "${MP99[load,$t]}" "${MCPU[load,$t]}" "${MRPS[light,$t]}" "${MP50[light,$t]}" "${MP99[light,$t]}"
    done
  else
    echo "| target | req/s | p50 ms | p99 ms | CPU µs/req |"
    echo "|---|---:|---:|---:|---:|"
    for t in "${TARGETS[@]}"; do
      printf '| %s | %.0f | %.3f | %.3f | %.1f |\n' "$t" "${MRPS[load,$t]}" "${MP50[load,$t]}" "${MP99[load,$t]}" "${MCPU[load,$t]}"
    done
  fi
  echo
  echo "CPU µs/req: user + system CPU time of the backend (direct) or of the proxy process(es) alone, per request."
  echo
  echo "All values are medians over the rounds (light: over rounds × windows); \"added\" = median(proxy) − median(direct)."
  echo
  echo "| ratio | value | target | verdict |"
  echo "|---|---:|---:|---|"
  echo "| router / nginx throughput (load) | $(calc '%.2f' "${MRPS[load,router]} / ${MRPS[load,nginx]}")× | ≥ 1.0× | $(verdict "${MRPS[load,router]} >= ${MRPS[load,nginx]}") |"
  echo "| router / nginx CPU per request (load) | $(calc '%.2f' "${MCPU[load,router]} / ${MCPU[load,nginx]}")× | ≤ 1.0× | $(verdict "${MCPU[load,router]} <= ${MCPU[load,nginx]}") |"
  if [[ -n "$ROUTER_B_OPTS" ]]; then
    echo "| router-b / nginx throughput (load) | $(calc '%.2f' "${MRPS[load,router-b]} / ${MRPS[load,nginx]}")× | | |"
    echo "| router-b / nginx CPU per request (load) | $(calc '%.2f' "${MCPU[load,router-b]} / ${MCPU[load,nginx]}")× | | |"
    echo "| router-b / router CPU per request (load) | $(calc '%.2f' "${MCPU[load,router-b]} / ${MCPU[load,router]}")× | | |"
    [[ "$LAT_CONNECTIONS" -gt 0 ]] && echo "| router-b / router CPU per request (light) | $(calc '%.2f' "${MCPU[light,router-b]} / ${MCPU[light,router]}")× | | |"
  fi
  if [[ "$FLOOR" == 1 ]]; then
    echo "| router / raw (the floor) CPU per request (load) | $(calc '%.2f' "${MCPU[load,router]} / ${MCPU[load,raw]}")× | | |"
    echo "| raw (the floor) / nginx CPU per request (load) | $(calc '%.2f' "${MCPU[load,raw]} / ${MCPU[load,nginx]}")× | | |"
  fi
  echo "| router / direct throughput (load) | $(calc '%.2f' "${MRPS[load,router]} / ${MRPS[load,direct]}")× | | |"
  echo "| nginx / direct throughput (load) | $(calc '%.2f' "${MRPS[load,nginx]} / ${MRPS[load,direct]}")× | | |"
  for pass in "${PASSES[@]}"; do
    ra="$(calc '%.3f' "${MP99[$pass,router]} - ${MP99[$pass,direct]}")"
    na="$(calc '%.3f' "${MP99[$pass,nginx]} - ${MP99[$pass,direct]}")"
    if [[ $pass == light ]]; then
      echo "| router p99 − direct p99 ($pass) | $ra ms | ≤ nginx's ($na ms) | $(verdict "$ra <= $na") |"
    else
      echo "| router p99 − direct p99 ($pass) | $ra ms | | |"
    fi
    echo "| nginx p99 − direct p99 ($pass) | $na ms | | |"
    echo "| router p50 − direct p50 ($pass) | $(calc '%.3f' "${MP50[$pass,router]} - ${MP50[$pass,direct]}") ms | | |"
    echo "| nginx p50 − direct p50 ($pass) | $(calc '%.3f' "${MP50[$pass,nginx]} - ${MP50[$pass,direct]}") ms | | |"
  done
  echo
  for pass in "${PASSES[@]}"; do
    n="$(wc -w <<<"${SAMPLES[$pass]}")"
    line=""
    for t in "${TARGETS[@]}"; do line+="${line:+, }$t ${STALLS[$pass,$t]}/$n"; done
    echo "Windows with a stall (slowest request ≥ $STALL_MS ms), $pass: $line."
  done
  echo
  echo "Raw rounds (errors = non-2xx responses + socket errors):"
  echo
  echo "| round | pass | target | req/s | p50 ms | p99 ms | max ms | CPU µs/req | errors |"
  echo "|---:|---|---|---:|---:|---:|---:|---:|---:|"
  for r in $(seq 1 "$ROUNDS"); do
    for pass in "${PASSES[@]}"; do
      for id in ${SAMPLES[$pass]}; do
        [[ "$id" == "$r" || "$id" == "$r".* ]] || continue
        for t in "${TARGETS[@]}"; do
          printf '| %s | %s | %s | %.0f | %.3f | %.3f | %.3f | %.1f | %s |\n' "$id" "$pass" "$t" "${RPS[$pass,$t,$id]}" \
            "${P50[$pass,$t,$id]}" "${P99[$pass,$t,$id]}" "${MAX[$pass,$t,$id]}" "${CPU[$pass,$t,$id]}" "${ERRS[$pass,$t,$id]}"
        done
      done
    done
  done
  if [[ -n "$JFR_SUMMARY" ]]; then
    echo
    echo "Router profile (--jfr: one more load pass under JFR, not in the medians; recording ${RUN_DIR#"$REPO"/}/router.jfr):"
    echo
    echo '```'
    echo "$JFR_SUMMARY"
    echo '```'
  fi
  echo
  echo "wrk outputs and process logs: ${RUN_DIR#"$REPO"/}/"
} >"$REPORT"
echo
cat "$REPORT"
