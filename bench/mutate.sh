#!/usr/bin/env bash
# The mutation run of issue 11: mutated composefs/EROFS images served and dumped, mutated OCI
# layers pulled and read back, one case at a time under a watchdog, in a JVM with a fixed heap.
#
#   bench/mutate.sh [IMAGES] [LAYERS] [SEED] [-- MORE OPTIONS]   # defaults: 100000 10000 20251111
#   bench/mutate.sh --seed S --kind images|layers --case N [--save PATH]   # replay one case
#
# MORE OPTIONS: --from N (start at case N), --timeout SECONDS (per case, default 10),
# --work DIR (default a new directory under /dev/shm, removed at the end).
# Environment: HEAP (default 512m), MUTATE_JAVA_OPTS (more JVM options, e.g.
# -XX:NativeMemoryTracking=summary). Exit code 0: every case ended as allowed; 1: failures.
# See bench/README.md.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)

# shellcheck source=../scripts/lib.sh
. "$here/scripts/lib.sh"
require_java   # exports JAVA_HOME for Maven

args=()
if [ $# -gt 0 ] && [[ "$1" != --* ]]; then
    args+=(--images "$1"); shift
    if [ $# -gt 0 ] && [[ "$1" != --* ]]; then args+=(--layers "$1"); shift; fi
    if [ $# -gt 0 ] && [[ "$1" != --* ]]; then args+=(--seed "$1"); shift; fi
fi
[ "${1:-}" = "--" ] && shift
args+=("$@")

# The harness is test code of integration-tests (compiled with the build, so it cannot rot);
# it runs on the CLI's self-contained jar plus those test classes and test-support's.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! mvn -B -q -o -f "$here/pom.xml" -pl integration-tests -am package -DskipTests >"$log" 2>&1; then
    cat "$log" >&2; die "build failed (above)"
fi
cp="$here/cli/target/cfsj.jar:$here/test-support/target/classes:$here/integration-tests/target/test-classes"
# exec below replaces this shell, so the EXIT trap would never remove the build log.
rm -f "$log"
trap - EXIT

# One case thread; serial GC and a fixed heap: the run must stay within HEAP, and the machine is shared.
exec nice -n 10 "$java" -Xmx"${HEAP:-512m}" -Xms64m -XX:+UseSerialGC \
    ${MUTATE_JAVA_OPTS:-} --enable-native-access=ALL-UNNAMED -cp "$cp" org.cfsj.it.mutate.MutationRun "${args[@]}"
