#!/usr/bin/env bash
# Image build throughput: a generated dumpfile of N entries (default 200,000) turned into a
# composefs image by `cfsj mkcomposefs --from-file`, next to C mkcomposefs on the same input in
# the same run when one is available ($MKCOMPOSEFS or mkcomposefs on PATH). Reports entries/s,
# the ratio, and whether both images are byte-identical.
#   usage: bench/mkcomposefs-bench.sh [ENTRIES] [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
# shellcheck source=../scripts/lib.sh
. "$here/scripts/lib.sh"
entries=${1:-200000}
rounds=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cfsj="$here/cfsj"
c_mk=${MKCOMPOSEFS:-$(command -v mkcomposefs || true)}

# Directories of 100 entries each: files of every kind, a third inline, the rest external with
# digests, some hardlinks, shared and unshared xattrs.
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
}' > "$work/big.dump"
lines=$(wc -l < "$work/big.dump")
echo "dumpfile: $lines entries, $(du -h "$work/big.dump" | cut -f1)"

"$cfsj" --version >/dev/null || die "cannot build or run $cfsj" # build the jar outside the timings

time_ms() { local s e; s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }

best_j=; best_c=
for r in $(seq "$rounds"); do
    t=$(time_ms "$cfsj" mkcomposefs --from-file "$work/big.dump" "$work/j.img")
    echo "round $r: cfsj mkcomposefs ${t} ms"
    [ -z "$best_j" ] || [ "$t" -lt "$best_j" ] && best_j=$t
    if [ -n "$c_mk" ]; then
        t=$(time_ms "$c_mk" --from-file "$work/big.dump" "$work/c.img")
        echo "round $r: C mkcomposefs    ${t} ms"
        [ -z "$best_c" ] || [ "$t" -lt "$best_c" ] && best_c=$t
    fi
done
echo
printf 'cfsj mkcomposefs: best %d ms, %d entries/s (JVM start-up included)\n' "$best_j" $(( lines * 1000 / best_j ))
if [ -n "$c_mk" ]; then
    printf 'C mkcomposefs:    best %d ms, %d entries/s\n' "$best_c" $(( lines * 1000 / best_c ))
    awk -v j="$best_j" -v c="$best_c" 'BEGIN { printf "ratio cfsj/C: %.2f (lower is better)\n", j / c }'
    if cmp -s "$work/j.img" "$work/c.img"; then echo "images: byte-identical"; else echo "images: DIFFER"; fi
else
    echo "(no C mkcomposefs found: set MKCOMPOSEFS=/path/to/mkcomposefs to compare)"
fi
