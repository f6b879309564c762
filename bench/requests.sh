#!/usr/bin/env bash
# bench/requests.sh — the cost of one FUSE request, per transport: a stat-heavy walk (`find -ls`)
# of a composefs image served with zero entry/attribute timeouts, so that every stat of every
# walk is a request (LOOKUP, GETATTR), through /dev/fuse and through io_uring, in one run.
# Prints requests per walk, wall time, requests/s and the mean wall time per request, and the
# io_uring/dev ratios. Root. See bench/README.md ("requests.sh").
#
#   bench/requests.sh                                   # /var/tmp/bench-usr/{image.cfs,objects}
#   IMAGE=X.cfs OBJECTS=DIR bench/requests.sh           # another image
#   ROUNDS=3 WALKS=3 THREADS= TRANSPORTS="dev uring" bench/requests.sh   # the defaults
#   CFSJ_JAR=/path/to/other/cfsj.jar bench/requests.sh  # another build (e.g. main's) for "dev"
#
# Each round starts one server per transport (in turn, so drift hits both alike), walks once to
# warm the page cache and the JIT, then times WALKS walks. Requests per timed walk come from the
# --stats counters: a server that only does the warm-up walk gives its share, the rest divided by
# WALKS is one walk's. A round's rate is that over its median walk; the medians of the rounds'
# rates are compared. enable_uring is set to Y while the script runs and put back on exit.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)

IMAGE=${IMAGE:-/var/tmp/bench-usr/image.cfs}
OBJECTS=${OBJECTS:-/var/tmp/bench-usr/objects}
ROUNDS=${ROUNDS:-3}
WALKS=${WALKS:-3}
THREADS=${THREADS:-}
TRANSPORTS=${TRANSPORTS:-dev uring}

# shellcheck source=../scripts/lib.sh
. "$here/scripts/lib.sh"
[ "$(id -u)" = 0 ] || die "run as root: mounting with FUSE and enable_uring need it"
[ -f "$IMAGE" ] || die "no image $IMAGE (IMAGE=...)"
[ -d "$OBJECTS" ] || die "no object directory $OBJECTS (OBJECTS=...)"
param=/sys/module/fuse/parameters/enable_uring
[ -e "$param" ] || die "this kernel has no FUSE over io_uring ($param is missing)"
require_java
"$here/cfsj" --version >/dev/null || die "cannot build or run $here/cfsj"
jar=${CFSJ_JAR:-$here/cli/target/cfsj.jar}

old_param=$(cat "$param")
mnt=$(mktemp -d /tmp/cfsj-requests-bench.XXXXXX)
log=$mnt.log
spid=
cleanup() {
    set +e
    if mountpoint -q "$mnt"; then umount "$mnt" || umount -l "$mnt"; fi
    [ -n "$spid" ] && wait "$spid" 2>/dev/null
    echo "$old_param" > "$param"
    rmdir "$mnt"
    rm -f "$log"
}
trap cleanup EXIT
echo Y > "$param"

# serve TRANSPORT: starts a server with zero metadata timeouts and waits for its mount
serve() {
    : > "$log"
    "$java" --enable-native-access=ALL-UNNAMED -jar "$jar" fuse-serve "$IMAGE" "$mnt" --basedir "$OBJECTS" \
        --stats --metadata-timeout=0 --transport="$1" ${THREADS:+--threads "$THREADS"} 2> "$log" &
    spid=$!
    for _ in $(seq 300); do
        mountpoint -q "$mnt" && return 0
        kill -0 "$spid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$log" >&2
    die "the $1 server did not mount"
}

# stop: unmounts, waits for the server, prints its request count
stop() {
    umount "$mnt"
    wait "$spid"
    spid=
    grep -q "transport=$want" "$log" || { cat "$log" >&2; die "the server did not serve through $want"; }
    sed -n 's/.*stats: requests=\([0-9]*\) .*/\1/p' "$log"
}

walk() {
    find "$mnt" -ls > /dev/null
}

now() { date +%s.%N; }

echo "image: $IMAGE ($(du -sh "$IMAGE" | cut -f1)), rounds: $ROUNDS, timed walks per round: $WALKS, threads: ${THREADS:-default}"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A warm rates
for t in $TRANSPORTS; do
    want=$([ "$t" = uring ] && echo io_uring || echo dev)
    serve "$t"
    walk
    warm[$t]=$(stop)
    echo "$t: warm-up walk alone: ${warm[$t]} requests"
done
for r in $(seq "$ROUNDS"); do
    for t in $TRANSPORTS; do
        want=$([ "$t" = uring ] && echo io_uring || echo dev)
        serve "$t"
        walk
        times=
        for _ in $(seq "$WALKS"); do
            s=$(now); walk; e=$(now)
            times+="$(echo "$e - $s" | bc -l) "
        done
        total=$(stop)
        per=$(( (total - warm[$t]) / WALKS ))
        walk_s=$(echo "$times" | median)
        rate=$(echo "$per / $walk_s" | bc -l)
        rates[$t]+="$rate "
        printf 'round %s %-5s: walks %s s (median %.3f), %s requests per walk, %.0f requests/s\n' \
            "$r" "$t" "${times% }" "$walk_s" "$per" "$rate"
    done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "median of the rounds:"
printf '%-6s %12s %14s\n' transport requests/s "us/request"
declare -A rate
for t in $TRANSPORTS; do
    rate[$t]=$(echo "${rates[$t]}" | median)
    printf '%-6s %12.0f %14.2f\n' "$t" "${rate[$t]}" "$(echo "1000000 / ${rate[$t]}" | bc -l)"
done
if [ -n "${rate[dev]:-}" ] && [ -n "${rate[uring]:-}" ]; then
    printf 'io_uring / dev: requests/s %.3f, time per request %.3f\n' \
        "$(echo "${rate[uring]} / ${rate[dev]}" | bc -l)" "$(echo "${rate[dev]} / ${rate[uring]}" | bc -l)"
fi
