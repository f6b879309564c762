#!/usr/bin/env bash
# Benchmark: fs-verity digests by fsverity-utils (`fsverity digest`, C + OpenSSL) versus
# `cfsj compute-digest` with one thread and with the default thread count (one per processor).
#
# Creates BIG_COUNT x BIG_MIB MiB random files plus SMALL_COUNT small files (0..64 KiB) in a
# temporary directory (removed on exit), reads them once so the page cache is warm for every
# tool, checks that all tools print the same digests, then times ROUNDS rounds of each tool over
# all the files in one invocation. The cfsj times include JVM startup (and the ./cfsj launcher's
# staleness check): that is what a user pays.
#
# Usage: bench/digest-bench.sh            (env: BIG_COUNT=8 BIG_MIB=128 SMALL_COUNT=2000 ROUNDS=3)
#        CFSJ="java -jar cli/target/cfsj.jar" bench/digest-bench.sh   (another cfsj command line,
#        e.g. to see what the launcher script costs; default: ./cfsj)
set -euo pipefail

BIG_COUNT=${BIG_COUNT:-8}
BIG_MIB=${BIG_MIB:-128}
SMALL_COUNT=${SMALL_COUNT:-2000}
ROUNDS=${ROUNDS:-3}

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
# shellcheck source=../scripts/lib.sh
. "$root/scripts/lib.sh"
read -r -a cfsj <<<"${CFSJ:-$root/cfsj}"
command -v fsverity >/dev/null || die "fsverity (fsverity-utils) is not installed"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/big" "$tmp/small"

echo "Creating $BIG_COUNT x $BIG_MIB MiB and $SMALL_COUNT small files in $tmp ..."
for i in $(seq 1 "$BIG_COUNT"); do
    head -c "${BIG_MIB}M" /dev/urandom >"$tmp/big/$i"
done
RANDOM=42 # reproducible small-file sizes
for i in $(seq 1 "$SMALL_COUNT"); do
    head -c $((RANDOM * 2)) /dev/urandom >"$tmp/small/$i"
done
files=("$tmp"/big/* "$tmp"/small/*)
bytes=$(cat "${files[@]}" | wc -c) # also the warm-up read: everything is in the page cache now
printf 'Data: %d files, %.1f MB (%d bytes); CPU: %s, %d processors\n' "${#files[@]}" \
    "$(echo "$bytes / 1000000" | bc -l)" "$bytes" \
    "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" "$(nproc)"

# Builds the jar if needed (not timed), and checks all three print the same lines.
fsverity digest "${files[@]}" >"$tmp/expected"
"${cfsj[@]}" compute-digest --threads 1 "${files[@]}" >"$tmp/cfsj-1"
"${cfsj[@]}" compute-digest "${files[@]}" >"$tmp/cfsj-n"
cmp -s "$tmp/expected" "$tmp/cfsj-1" || die "cfsj --threads 1 output differs from fsverity"
cmp -s "$tmp/expected" "$tmp/cfsj-n" || die "cfsj output differs from fsverity"
echo "Outputs identical (${#files[@]} lines). Load average before timing: $(cut -d' ' -f1-3 /proc/loadavg)"

# seconds (with ns resolution) that "$@" takes, output discarded. ./cfsj rebuilds its jar when a
# source is newer (someone editing the tree while this runs): such a run measures Maven, so it is
# repeated.
jar="$root/cli/target/cfsj.jar"
timed() {
    local t0 t1 before attempt
    for attempt in 1 2 3; do
        before=$(stat -c %Y "$jar" 2>/dev/null || echo none)
        t0=$(date +%s%N)
        "$@" >/dev/null
        t1=$(date +%s%N)
        [ "$before" = "$(stat -c %Y "$jar" 2>/dev/null || echo none)" ] && break
        echo "${0##*/}: $jar was rebuilt during a timed run; repeating it" >&2
    done
    echo "$(((t1 - t0) / 1000))" | awk '{ printf "%.3f", $1 / 1e6 }'
}

names=("fsverity digest" "cfsj compute-digest --threads 1" "cfsj compute-digest (threads=$(nproc))")
declare -A times
for r in $(seq 1 "$ROUNDS"); do
    times[0,$r]=$(timed fsverity digest "${files[@]}")
    times[1,$r]=$(timed "${cfsj[@]}" compute-digest --threads 1 "${files[@]}")
    times[2,$r]=$(timed "${cfsj[@]}" compute-digest "${files[@]}")
done
empty="$tmp/small/empty"
: >"$empty"
startup=$(timed "${cfsj[@]}" compute-digest "$empty")

best() { # best (lowest) time of tool $1
    local b="" r
    for r in $(seq 1 "$ROUNDS"); do
        b=$(awk -v a="${times[$1,$r]}" -v b="$b" 'BEGIN { print (b == "" || a < b) ? a : b }')
    done
    echo "$b"
}

echo
header="tool"
for r in $(seq 1 "$ROUNDS"); do header+="|round $r s"; done
header+="|best MB/s|speed vs fsverity"
{
    echo "$header"
    base=$(best 0)
    for t in 0 1 2; do
        line="${names[$t]}"
        for r in $(seq 1 "$ROUNDS"); do line+="|${times[$t,$r]}"; done
        b=$(best "$t")
        line+=$(awk -v n="$bytes" -v b="$b" -v base="$base" \
            'BEGIN { printf "|%.0f|%.2fx", n / b / 1e6, base / b }')
        echo "$line"
    done
} | column -t -s '|'
echo
echo "cfsj = ${cfsj[*]}"
echo "cfsj times include JVM startup: 'cfsj compute-digest' on one empty file takes ${startup} s here."
echo "Speed vs fsverity = fsverity's best time / the tool's best time (above 1 = faster than fsverity)."
echo "Load average after timing: $(cut -d' ' -f1-3 /proc/loadavg) (other work on this machine skews the numbers)."
