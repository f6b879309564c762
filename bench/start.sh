#!/usr/bin/env bash
# bench/start.sh — a FUSE server's start and first walk, and its memory (issue 14): how long
# `cfsj fuse-serve --background` takes until the mount answers (next to `cfsj --version`),
# `find -ls` right after the mount, `getfattr -R`, the server's RSS after both, a warm `find -ls`
# (and with TAR=1 a warm `tar cf - . | cat`), for this checkout's ./cfsj and, in the same rounds,
# another checkout's (BASELINE), with the kernel composefs mount beside them where a
# mount.composefs is given. Root. See bench/README.md ("start.sh").
#
#   bench/start.sh                                 # /var/tmp/bench-usr/{image.cfs,objects}
#   bench/start.sh IMAGE OBJECTS
#   ROUNDS=3 BASELINE=/work/main COLD=0 TAR=0 MOUNT_COMPOSEFS=/path/to/mount.composefs bench/start.sh
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
# shellcheck source=../scripts/lib.sh
. "$here/scripts/lib.sh"

image=${1:-/var/tmp/bench-usr/image.cfs}
objects=${2:-/var/tmp/bench-usr/objects}
ROUNDS=${ROUNDS:-3}
BASELINE=${BASELINE:-}                 # a checkout whose ./cfsj is measured in the same rounds
COLD=${COLD:-0}                        # 1: drop the page cache before each mount (affects the whole machine)
TAR=${TAR:-0}                          # 1: also a warm `tar cf - . | cat` (after one unmeasured tar)
MOUNT_COMPOSEFS=${MOUNT_COMPOSEFS:-}   # C composefs' mount.composefs: the kernel mount's rows

[ "$(id -u)" = 0 ] || die "run as root: FUSE and kernel mounts need it"
[ -e /dev/fuse ] || die "/dev/fuse is missing"
[ -f "$image" ] && [ -d "$objects" ] || die "usage: bench/start.sh [IMAGE OBJECTS] (not found: $image, $objects)"
command -v getfattr >/dev/null || die "getfattr is missing (apt-get install attr)"
variants=("$here")
[ -n "$BASELINE" ] && variants+=("$BASELINE")
for v in "${variants[@]}"; do
    "$v/cfsj" --version >/dev/null || die "cannot build or run $v/cfsj"
    [ -f "$v/cli/target/cfsj.aot" ] || echo "start.sh: $v has no AOT cache: run '$v/cfsj --train' first for like-for-like starts" >&2
done

mnt=$(mktemp -d /tmp/cfsj-start-bench.XXXXXX)
cleanup() {
    umount "$mnt" 2>/dev/null || true
    rmdir "$mnt" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.3f", a - b }'; }
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }
server_pid() { # the process whose command line names the mount point
    local p
    for p in /proc/[0-9]*; do
        if { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF " $mnt "; then echo "${p#/proc/}"; return 0; fi
    done
    return 1
}
status_kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
await_exit() { local i; for ((i = 0; i < 300; i++)); do [ -d "/proc/$1" ] || return 0; sleep 0.1; done; }

declare -A S # S[label,row] = samples
add() { S[$1,$2]="${S[$1,$2]:-} $3"; }

walk() { # walk LABEL: the measurements on the mount at $mnt
    local t
    t=$(now); find "$mnt" -ls >/dev/null 2>&1; add "$1" find1 "$(since "$t")"
    t=$(now); getfattr -R -h -d -m - "$mnt" >/dev/null 2>&1; add "$1" getfattr "$(since "$t")"
}
warm() {
    local t
    t=$(now); find "$mnt" -ls >/dev/null 2>&1; add "$1" findwarm "$(since "$t")"
    if [ "$TAR" = 1 ]; then
        (cd "$mnt" && tar cf - . | cat >/dev/null)
        t=$(now); (cd "$mnt" && tar cf - . | cat >/dev/null); add "$1" tarwarm "$(since "$t")"
    fi
}

echo "start.sh: $image ($(du -h --apparent-size "$image" | cut -f1)), objects $objects, $ROUNDS rounds; load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
for ((r = 1; r <= ROUNDS; r++)); do
    for v in "${variants[@]}"; do
        label=$([ "$v" = "$here" ] && echo new || echo base)
        t=$(now); "$v/cfsj" --version >/dev/null; add "$label" version "$(since "$t")"
        [ "$COLD" = 1 ] && drop_caches
        t=$(now)
        "$v/cfsj" fuse-serve --background --basedir "$objects" "$image" "$mnt"
        stat "$mnt/." >/dev/null
        add "$label" background "$(since "$t")"
        pid=$(server_pid) || die "no server process found for $mnt"
        walk "$label"
        add "$label" rss "$(( $(status_kib "$pid" VmRSS) / 1024 ))"
        add "$label" hwm "$(( $(status_kib "$pid" VmHWM) / 1024 ))"
        add "$label" anon "$(( $(status_kib "$pid" RssAnon) / 1024 ))"
        add "$label" file "$(( $(status_kib "$pid" RssFile) / 1024 ))"
        sleep 6 # idle: what the server gives back (heap shrinking, native heap trimmed)
        add "$label" rssidle "$(( $(status_kib "$pid" VmRSS) / 1024 ))"
        warm "$label"
        umount "$mnt"
        await_exit "$pid"
    done
    if [ -n "$MOUNT_COMPOSEFS" ]; then
        [ "$COLD" = 1 ] && drop_caches
        t=$(now)
        "$MOUNT_COMPOSEFS" -o "basedir=$objects" "$image" "$mnt"
        stat "$mnt/." >/dev/null
        add kernel background "$(since "$t")"
        walk kernel
        warm kernel
        umount "$mnt"
    fi
    echo "start.sh: round $r done; load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done

labels=(new)
[ -n "$BASELINE" ] && labels+=(base)
[ -n "$MOUNT_COMPOSEFS" ] && labels+=(kernel)
med() { if [ -n "${S[$1,$2]:-}" ]; then echo "${S[$1,$2]}" | median; else echo -; fi; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }

echo
echo "medians of $ROUNDS rounds (s; MiB for the RSS rows), $([ "$COLD" = 1 ] && echo "page cache dropped before each mount" || echo "page cache warm"); load now: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s' ""; for l in "${labels[@]}"; do printf ' %9s' "$l"; done
[ -n "$BASELINE" ] && printf ' %9s' new/base
[ -n "$MOUNT_COMPOSEFS" ] && printf ' %9s %9s' new/k base/k
echo
rows=(version background find1 getfattr rss hwm anon file rssidle findwarm)
[ "$TAR" = 1 ] && rows+=(tarwarm)
declare -A name=([version]="cfsj --version" [background]="fuse-serve --background -> answers"
    [find1]="find -ls right after mount" [getfattr]="getfattr -R -h -d -m -" [rss]="server VmRSS after both"
    [hwm]="server VmHWM" [anon]="  of it RssAnon" [file]="  of it RssFile (image, libjvm)"
    [rssidle]="server VmRSS 6 s later"
    [findwarm]="find -ls warm" [tarwarm]="tar cf - . | cat warm")
for row in "${rows[@]}"; do
    printf '%-34s' "${name[$row]}"
    for l in "${labels[@]}"; do printf ' %9s' "$(med "$l" "$row")"; done
    [ -n "$BASELINE" ] && printf ' %9s' "$(ratio "$(med new "$row")" "$(med base "$row")")"
    [ -n "$MOUNT_COMPOSEFS" ] && printf ' %9s %9s' "$(ratio "$(med new "$row")" "$(med kernel "$row")")" \
        "$(ratio "$(med base "$row")" "$(med kernel "$row")")"
    echo
done
for l in "${labels[@]}"; do
    printf 'background - version, %s: %s s\n' "$l" "$(awk -v a="$(med "$l" background)" -v b="$(med "$l" version)" 'BEGIN { if (b == "-") print "-"; else printf "%.3f", a - b }')"
done
echo
echo "samples:"
for row in "${rows[@]}"; do for l in "${labels[@]}"; do [ -n "${S[$l,$row]:-}" ] && echo "  $l $row:${S[$l,$row]}"; done; done
echo "goals (issue 14): background <= version + 0.3 s; find -ls right after mount <= 1.3x kernel; RSS <= 96 MiB"
