#!/usr/bin/env bash
# Analysis benchmark: how often the default analysis fails a good release (A/A false-positive rate) and how
# often, and how fast, it catches a bad one (power, time to detection), on real processes of the sample service
# (examples/orders) against embedded PostgreSQL, under a steady load. See README.md.
#
#   bench/analysis/run.sh                          # A/A 200 runs; errors, latency, locks 40 runs each
#   bench/analysis/run.sh --scenarios aa --runs 300
#   bench/analysis/run.sh --rate 180 --interval 4s --count 3 --restart-every 20
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
# Reactor order ends with analysis, so the file ends up with its classpath (test scope: embedded PostgreSQL and the
# schema engine, which sets up the database); the slipway modules come from their target/classes folders.
mvn -B -q -pl analysis -am -Dmaven.test.skip=true package dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$target/classpath.txt" -DexcludeGroupIds=dev.slipway >/dev/null
classpath="$root/analysis/target/classes:$root/model/target/classes:$root/schema/target/classes:$(cat "$target/classpath.txt")"

javac --release 17 -nowarn -d "$target/classes" -cp "$classpath" $(find "$here/src" -name '*.java')
exec java -Xmx1g -cp "$target/classes:$classpath" dev.slipway.bench.AnalysisBench --home="$root" --out="$target" "$@"
