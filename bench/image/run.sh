#!/usr/bin/env bash
# Time and bytes pushed: a full `slipway image build` versus `slipway image patch` after a one-file change.
#
# An application of ~100 MB (one class, 20 resource files, 50 dependency jars of 2 MiB of incompressible bytes),
# kept as a tree laid out as the build puts it under /app (classes/, resources/, libs/) so that `patch --from`
# compares like with like, is built onto `scratch` and pushed to a private
# Docker Distribution registry on 127.0.0.1 (Debian's docker-registry, auth removed, temporary storage). Then one
# file changes and the new version goes up twice: as a full rebuild, and as a thin patch on the first image.
# Two scenarios: one dependency jar changes (the dependencies layer is ~100 MB), one class file changes.
# Each repetition uses a fresh, empty registry; the figures are medians of REPEAT (default 3) runs.
#
# Bytes pushed are measured twice: the tool's own figure ("uploaded N bytes") and the growth of the registry's
# blob storage (du -sb of docker/registry/v2/blobs), which includes the image config and manifest.
#
# usage: bench/image/run.sh [--table]           (REPEAT=3 APP_MB=100 by default; output in bench/image/target/)
set -euo pipefail
umask 022
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
REPEAT="${REPEAT:-3}"
APP_MB="${APP_MB:-100}"
JARS=50
WORK="$HERE/target"
CLI_JAR="$ROOT/cli/target/slipway.jar"

command -v docker-registry >/dev/null || { echo "docker-registry is not installed (apt-get install -y docker-registry)" >&2; exit 2; }
if [[ ! -f "$CLI_JAR" ]]; then
  (cd "$ROOT" && mvn -q -B -o package -DskipTests -pl cli -am)
fi
TABLE_ONLY=0; [[ "${1:-}" == "--table" ]] && TABLE_ONLY=1   # --table: print the table of the last run again
if [[ $TABLE_ONLY == 0 ]]; then rm -rf "$WORK"; mkdir -p "$WORK"; cp "$CLI_JAR" "$WORK/slipway.jar"; fi
# (the CLI jar is copied once per run: parallel builds may rewrite cli/target meanwhile)
slipway() { java -jar "$WORK/slipway.jar" "$@"; }

REGISTRY_PID=""
stop_registry() {
  if [[ -n "$REGISTRY_PID" ]]; then kill "$REGISTRY_PID" 2>/dev/null || true; wait "$REGISTRY_PID" 2>/dev/null || true; REGISTRY_PID=""; fi
}
trap stop_registry EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

start_registry() {   # sets REGISTRY, STORAGE
  local port; port="$(free_port)"
  STORAGE="$WORK/registry-$1"; rm -rf "$STORAGE"; mkdir -p "$STORAGE"
  cat > "$WORK/registry-$1.yml" <<YAML
version: 0.1
log: {level: error, accesslog: {disabled: true}}
storage:
  cache: {blobdescriptor: inmemory}
  filesystem: {rootdirectory: $STORAGE}
  delete: {enabled: true}
http:
  addr: 127.0.0.1:$port
YAML
  docker-registry serve "$WORK/registry-$1.yml" >"$WORK/registry-$1.log" 2>&1 &
  REGISTRY_PID=$!
  REGISTRY="127.0.0.1:$port"
  for _ in $(seq 100); do
    curl -fs "http://$REGISTRY/v2/" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the registry did not answer on $REGISTRY (see $WORK/registry-$1.log)" >&2; exit 1
}

blob_bytes() { du -sb "$STORAGE/docker/registry/v2/blobs" 2>/dev/null | cut -f1 || echo 0; }

random_jar() {   # random_jar FILE KIB SEED: a stored (uncompressed) jar of incompressible bytes
  local file="$1" kib="$2" dir; dir="$(mktemp -d "$WORK/jar.XXXXXX")"
  mkdir -p "$dir/data"
  head -c $((kib * 1024)) /dev/urandom > "$dir/data/blob-$3.bin"
  (cd "$dir" && jar --create --no-compress --file "$file" data)
  rm -rf "$dir"
}

make_tree() {   # the application as the image holds it under /app
  TREE="$WORK/tree"; rm -rf "$TREE"; mkdir -p "$TREE/classes/bench" "$TREE/resources/bench" "$TREE/libs"
  local per_jar=$(( APP_MB * 1024 / JARS ))
  for i in $(seq -w 0 $((JARS - 1))); do random_jar "$TREE/libs/dep$i-1.0.jar" "$per_jar" "$i"; done
  cat > "$WORK/Main.java" <<JAVA
package bench;
public class Main { public static void main(String[] args) { System.out.println("bench " + VERSION); }
  static final String VERSION = "1"; }
JAVA
  javac -d "$TREE/classes" "$WORK/Main.java"
  for i in $(seq -w 0 19); do head -c 4096 /dev/urandom | base64 > "$TREE/resources/bench/resource$i.txt"; done
}

change_one_file() {   # change_one_file SCENARIO
  case "$1" in
    dependency) random_jar "$TREE/libs/dep17-1.0.jar" $(( APP_MB * 1024 / JARS )) "17-changed" ;;
    class) sed -i 's/VERSION = "1"/VERSION = "2"/' "$WORK/Main.java"; javac -d "$TREE/classes" "$WORK/Main.java" ;;
  esac
}

# run_timed NAME command...: runs it, records seconds, tool bytes, registry growth into RESULTS
run_timed() {
  local name="$1"; shift
  local before after start end out
  before="$(blob_bytes)"
  start="$(date +%s%N)"
  out="$WORK/$name.out"
  if ! "$@" >"$out" 2>&1; then echo "FAILED: $*" >&2; cat "$out" >&2; exit 1; fi
  end="$(date +%s%N)"
  after="$(blob_bytes)"
  local tool; tool="$(grep -o 'uploaded [0-9,]* bytes' "$out" | tail -1 | tr -dc 0-9)"
  echo "$name $(( (end - start) / 1000000 )) ${tool:-0} $(( after - before ))" >> "$WORK/results.txt"
}

build() {   # build REF: the build takes one compiled directory (classes + resources, as Maven leaves it)
  rm -rf "$WORK/compiled"; mkdir -p "$WORK/compiled"
  cp -a "$TREE/classes/." "$TREE/resources/." "$WORK/compiled/"
  slipway image build --insecure --base scratch --classes "$WORK/compiled" --main bench.Main \
    --classpath "$TREE/libs" --to "$1"
}

[[ $TABLE_ONLY == 0 ]] && : > "$WORK/results.txt"
for scenario in dependency class; do
  [[ $TABLE_ONLY == 1 ]] && break
  for rep in $(seq "$REPEAT"); do
    echo "== $scenario, run $rep/$REPEAT" >&2
    make_tree
    start_registry "$scenario-$rep"
    run_timed "$scenario:first-build" build "$REGISTRY/bench/app:1"
    change_one_file "$scenario"
    run_timed "$scenario:full-rebuild" build "$REGISTRY/bench/app:2"
    run_timed "$scenario:patch" slipway image patch --insecure --base "$REGISTRY/bench/app:1" --from "$TREE" \
      --dir /app --to "$REGISTRY/bench/app:2-patch"
    grep -E '^  [0-9]+ added' "$WORK/$scenario:patch.out" | sed "s/^ */  patch: /" >&2
    stop_registry
    rm -rf "$STORAGE"
  done
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mb() { awk -v b="$1" 'BEGIN {if (b >= 1e6) printf "%.2f MB", b / 1e6; else printf "%.1f kB", b / 1e3}'; }
app_bytes="$(du -sb "$WORK/tree" | cut -f1)"
echo
echo "Application: $(mb "$app_bytes") ($JARS dependency jars + classes/resources), base scratch, registry on loopback;"
echo "median of $REPEAT runs, each on a fresh registry."
echo
echo "| scenario | step | time (median) | bytes pushed, tool figure | registry blob growth |"
echo "|---|---|---:|---:|---:|"
for scenario in dependency class; do
  for step in first-build full-rebuild patch; do
    key="$scenario:$step"
    t="$(awk -v k="$key" '$1 == k {print $2}' "$WORK/results.txt" | median)"
    tool="$(awk -v k="$key" '$1 == k {print $3}' "$WORK/results.txt" | median)"
    grow="$(awk -v k="$key" '$1 == k {print $4}' "$WORK/results.txt" | median)"
    label="$step"; [[ "$step" == first-build ]] && label="full build (empty registry)"
    [[ "$step" == full-rebuild ]] && label="full rebuild after a one-file change"
    [[ "$step" == patch ]] && label="image patch --base first image"
    printf '| one %s changed | %s | %.2f s | %s | %s |\n' "$scenario" "$label" "$(awk -v m="$t" 'BEGIN{print m/1000}')" \
      "$(mb "$tool")" "$(mb "$grow")"
  done
done
