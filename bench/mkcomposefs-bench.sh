#!/usr/bin/env bash
# Image build from a dumpfile: `cfsj mkcomposefs --from-file` next to C mkcomposefs on the same
# input, in the same run, alternating. Reports for each the median wall time, the median CPU time
# (user + system) and the median peak RSS (/usr/bin/time), the ratios to C, and whether the images
# are byte-identical (format versions 0 and 1).
#
#   usage: bench/mkcomposefs-bench.sh [ROUNDS]            (default 5)
#   DUMP=FILE          the dumpfile to build (default: a generated one of ENTRIES entries)
#   ENTRIES=N          entries of the generated dumpfile (default 200,000)
#   MKCOMPOSEFS=PATH   C mkcomposefs (default: mkcomposefs on PATH; without one, cfsj alone)
#   CFSJ=CMD           the cfsj command line to time (default: this checkout's ./cfsj)
#   CFSJ_BASE=CMD      a second cfsj to time in the same rounds (e.g. /work/main/cfsj), for A/B
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
# shellcheck source=../scripts/lib.sh
. "$here/scripts/lib.sh"
rounds=${1:-5}
entries=${ENTRIES:-200000}
work=$(mktemp -d "${TMPDIR:-/tmp}/mkcomposefs-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cfsj=${CFSJ:-$here/cfsj}
base=${CFSJ_BASE:-}
c_mk=${MKCOMPOSEFS:-$(command -v mkcomposefs || true)}
[ -x /usr/bin/time ] || die "/usr/bin/time (Debian: apt-get install time) is needed for CPU time and peak RSS"

generate() { # directories of 100 entries: every kind of file, inline and external, hardlinks, xattrs
    awk -v n="$entries" 'BEGIN {
        srand(42)
        print "/ 4096 40755 2 0 0 0 1700000000.0 - - - security.selinux=system_u:object_r:usr_t:s0\\x00"
        d = 0; made = 1
        while (made < n) {
            printf "/d%d 4096 40755 2 0 0 0 1700000000.0 - - - security.selinux=system_u:object_r:usr_t:s0\\x00\n", d
            made++
            for (i = 0; i < 99 && made < n; i++) {
                r = i % 10
                if (r < 3) {
                    printf "/d%d/f%d 12 100644 1 0 0 0 1700000000.%d - hello\\x20world\\n - user.k=v%d\n", d, i, i, i % 7
                } else if (r < 8) {
                    hex = ""
                    for (k = 0; k < 32; k++) hex = hex sprintf("%02x", int(rand() * 256))
                    printf "/d%d/f%d %d 100755 1 1000 1000 0 1700000001.%d %s/%s - %s\n", d, i, 4096 + int(rand() * 1000000), i, substr(hex, 1, 2), substr(hex, 3), hex
                } else if (r == 8) {
                    printf "/d%d/l%d 11 120777 1 0 0 0 1700000000.0 ../d0/f%d - -\n", d, i, i
                } else {
                    printf "/d%d/h%d 12 @100644 1 0 0 0 1700000000.0 /d%d/f0 - -\n", d, i, d
                }
                made++
            }
            d++
        }
    }'
}

if [ -n "${DUMP:-}" ]; then
    [ -f "$DUMP" ] && [ -s "$DUMP" ] || die "DUMP=$DUMP: not a non-empty file"
    dump=$DUMP
else
    dump=$work/generated.dump
    generate > "$dump"
fi
lines=$(wc -l < "$dump")
echo "dumpfile: $dump, $lines lines, $(du -h "$dump" | cut -f1)"
echo "machine: $(nproc) CPUs, $(free -g | awk '/^Mem/ {print $2}') GiB; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# Build the jars outside the timings, and show what runs.
$cfsj --version >/dev/null || die "cannot run $cfsj"
[ -z "$base" ] || $base --version >/dev/null || die "cannot run $base"

names=(cfsj); cmds=("$cfsj mkcomposefs")
[ -z "$base" ] || { names+=(base); cmds+=("$base mkcomposefs"); }
[ -z "$c_mk" ] || { names+=(C); cmds+=("$c_mk"); }

# One timed build: appends "wall cpu rss_kib" to $work/NAME.samples.
timed() {
    local name=$1 cmd=$2 out=$work/$1.img wall user sys rss
    # shellcheck disable=SC2086 # $cmd is a command line
    /usr/bin/time -o "$work/time" -f '%e %U %S %M' $cmd --from-file "$dump" "$out" >/dev/null 2>"$work/err" ||
        { cat "$work/err" >&2; die "$name failed"; }
    read -r wall user sys rss < "$work/time"
    echo "$wall $(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}') $rss" >> "$work/$name.samples"
    printf '  %-5s %6.2f s wall %6.2f s CPU %6d MiB peak\n' "$name" "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}')" $(( rss / 1024 ))
}

for r in $(seq "$rounds"); do
    echo "round $r:"
    for i in "${!names[@]}"; do
        timed "${names[$i]}" "${cmds[$i]}"
    done
done

col() { awk -v c="$1" '{print $c}' "$work/$2.samples" | median; }
echo
echo "median of $rounds rounds (load after: $(cut -d' ' -f1-3 /proc/loadavg)):"
printf '%-6s %9s %9s %10s\n' "" "wall s" "CPU s" "peak MiB"
for n in "${names[@]}"; do
    printf '%-6s %9.2f %9.2f %10.0f\n' "$n" "$(col 1 "$n")" "$(col 2 "$n")" "$(awk -v k="$(col 3 "$n")" 'BEGIN {print k / 1024}')"
done
if [ -n "$c_mk" ]; then
    for n in "${names[@]}"; do
        [ "$n" = C ] && continue
        awk -v n="$n" -v w="$(col 1 "$n")" -v cw="$(col 1 C)" -v u="$(col 2 "$n")" -v cu="$(col 2 C)" \
            -v m="$(col 3 "$n")" -v cm="$(col 3 C)" \
            'BEGIN {printf "%s/C: wall %.2fx, CPU %.2fx, peak RSS %.2fx\n", n, w / cw, u / cu, m / cm}'
    done
    for v in 0 1; do
        $cfsj mkcomposefs --min-version "$v" --max-version "$v" --from-file "$dump" "$work/j$v.img"
        "$c_mk" --min-version "$v" --max-version "$v" --from-file "$dump" "$work/c$v.img"
        if cmp -s "$work/j$v.img" "$work/c$v.img"; then
            echo "format version $v: byte-identical"
        else
            echo "format version $v: images DIFFER"
        fi
    done
else
    echo "(no C mkcomposefs found: set MKCOMPOSEFS=/path/to/mkcomposefs to compare)"
fi
