#!/usr/bin/env bash
# Schema engine benchmark: backfill throughput, plain-UPDATE limit, sync-trigger write amplification,
# ACCESS EXCLUSIVE lock holds and point-query latency during start/complete of examples/orders' 002_split_name.
#
#   bench/schema/run.sh                 # 100 000 and 1 000 000 rows
#   bench/schema/run.sh --large         # adds 10 000 000 rows
#   bench/schema/run.sh --sizes=200000  # any sizes; --batch=N sets the engine's backfill batch size
#
# Builds the schema module and what it needs in one reactor run (so slipway-model comes from this checkout, not from a
# local repository a fresh machine does not have), writes the module's test-scope classpath (for io.zonky
# embedded-postgres) with a pinned maven-dependency-plugin, compiles the harness against it and runs it. Runs on a
# fresh machine: Maven downloads what is missing. Everything it writes goes to bench/schema/target/ (git-ignored).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="$here/target"
mkdir -p "$target/classes"

cd "$root"
# The plugin's relative outputFile resolves against each module's directory: schema/target/bench-classpath.txt.
mvn -B -q -pl schema -am -Dmaven.test.skip=true package \
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench-classpath.txt >/dev/null
classpath="$root/schema/target/slipway-schema-0.1.0-SNAPSHOT.jar:$(cat "$root/schema/target/bench-classpath.txt")"

javac -d "$target/classes" -cp "$classpath" $(find "$here/src" -name '*.java')
exec java -Xmx2g -Dslipway.home="$root" -Dlogback.configurationFile="$here/logback.xml" \
  -cp "$target/classes:$classpath" dev.slipway.bench.SchemaBench --out="$target" "$@"
