#!/usr/bin/env bash
# Analysis benchmark: how often the default analysis fails a good release (A/A false-positive rate) and how
# often, and how fast, it catches a bad one (power, time to detection), on real processes of the sample service
# (examples/orders) against embedded PostgreSQL, under a steady load. See README.md.
#
#   bench/analysis/run.sh                          # A/A 200 runs; errors, latency, locks 40 runs each
#   bench/analysis/run.sh --scenarios aa --runs 300
#   bench/analysis/run.sh --rate=240 --interval=5s --count=4 --restart-every=20
#   bench/analysis/run.sh simulate --samples=bench/analysis/target/run-X/samples.txt   # many runs, drawn from real ones
#
# Everything listens on and talks to 127.0.0.1. The processes it starts are stopped when it ends.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="$here/target"
mkdir -p "$target/classes"

cd "$root"
# Reactor build into the modules' target/ folders (never ~/.m2, which other checkouts share).
mvn -B -q -pl examples/orders -Dmaven.test.skip=true package
# Each module writes its classpath to its own target/bench-classpath.txt (a relative path is the module's): analysis
# with test scope (embedded PostgreSQL and the schema engine, which sets up the database), router (Netty). The slipway
# modules come from their target/classes folders.
mvn -B -q -pl analysis,router -am -Dmaven.test.skip=true package dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench-classpath.txt -DexcludeGroupIds=dev.slipway >/dev/null
classpath="$root/analysis/target/classes:$root/router/target/classes:$root/model/target/classes:$root/schema/target/classes"
classpath="$classpath:$(cat "$root/analysis/target/bench-classpath.txt"):$(cat "$root/router/target/bench-classpath.txt")"

javac --release 17 -nowarn -d "$target/classes" -cp "$classpath" $(find "$here/src" -name '*.java')
if [ "${1:-}" = simulate ]; then
  shift
  exec java -Xmx1g -cp "$target/classes:$classpath" dev.slipway.bench.AnalysisSimulation "$@"
fi
exec java -Xmx1g -cp "$target/classes:$classpath" dev.slipway.bench.AnalysisBench --home="$root" --out="$target" "$@"
