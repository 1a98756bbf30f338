#!/usr/bin/env bash
# Schema engine benchmark: backfill throughput, plain-UPDATE limit, sync-trigger write amplification,
# ACCESS EXCLUSIVE lock holds and point-query latency during start/complete of examples/orders' 002_split_name.
#
#   bench/schema/run.sh                 # 100 000 and 1 000 000 rows
#   bench/schema/run.sh --large         # adds 10 000 000 rows
#   bench/schema/run.sh --sizes=200000  # any sizes; --batch=N sets the engine's backfill batch size
#
# Builds the schema module's jar (offline), compiles the harness against it and its dependencies (test scope, for
# io.zonky embedded-postgres), and runs it. Everything it writes goes to bench/schema/target/ (git-ignored).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="$here/target"
mkdir -p "$target/classes"

cd "$root"
mvn -B -q -o -pl schema -am -Dmaven.test.skip=true package
mvn -B -q -o -pl schema dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$target/classpath.txt" >/dev/null
classpath="$root/schema/target/slipway-schema-0.1.0-SNAPSHOT.jar:$root/model/target/classes:$(cat "$target/classpath.txt")"

javac -d "$target/classes" -cp "$classpath" $(find "$here/src" -name '*.java')
exec java -Xmx2g -Dslipway.home="$root" -Dlogback.configurationFile="$here/logback.xml" \
  -cp "$target/classes:$classpath" dev.slipway.bench.SchemaBench --out="$target" "$@"
