#!/usr/bin/env bash
# files.sh: the filesystem layer's per-request costs (issue 14): recursive getxattr, warm tar and
# xargs -P4 cat with and without passthrough, the first walk of an overlay stacked on the mount
# (a writable container root), optionally cold tar; this worktree's jar against another jar
# (BASE_JAR, e.g. main's) and the kernel composefs mount, all mounted at once and measured
# interleaved, so that the machine's drift hits every mount alike. See bench/README.md.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)

IMAGE=${IMAGE:-/var/tmp/bench-usr/image.cfs}     # a composefs image ...
OBJECTS=${OBJECTS:-/var/tmp/bench-usr/objects}   # ... and its object directory
BASE_JAR=${BASE_JAR:-}                           # the jar to compare with (none: this jar only)
SUBDIR=${SUBDIR:-share}                          # what tar, xargs and the overlay walk read ("." = all)
ROUNDS=${ROUNDS:-5}                              # rounds over all mounts: medians
COLD=${COLD:-0}                                  # 1: also cold tar of SUBDIR (drops the page cache once per mount)
PIN=${PIN:-}                                     # a CPU number: servers and readers all run on it (taskset)
TESTS=${TESTS:-getfattr tar xargs overlay}       # which of the tests below to run
WORK=${WORK:-/var/tmp}

. "$here/scripts/lib.sh"
[ "$(id -u)" = 0 ] || die "run as root: the benchmark mounts filesystems"
[ -f "$IMAGE" ] && [ -d "$OBJECTS" ] || die "IMAGE=$IMAGE or OBJECTS=$OBJECTS is missing"
command -v getfattr >/dev/null || die "getfattr is missing (Debian: apt-get install attr)"
require_java
"$here/cfsj" --version >/dev/null || die "cannot build or run $here/cfsj"
work=$(mktemp -d "$WORK/cfsj-files-bench.XXXXXX")
cp "$here/cli/target/cfsj.jar" "$work/new.jar"   # a copy: a rebuild meanwhile must not change the server
[ -z "$BASE_JAR" ] || cp "$BASE_JAR" "$work/base.jar"

jar="$here/cli/target/cfsj.jar"
. "$here/bench/lib-mount.sh"
trap 'unmount_all; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

pin=(); [ -z "$PIN" ] || pin=(taskset -c "$PIN")
# kernel: the kernel composefs mount; new/base: fuse-serve of this jar / BASE_JAR; -pt: with --passthrough
labels=(kernel new new-pt)
[ -z "$BASE_JAR" ] || labels+=(base base-pt)
declare -A mnt pid
mount_one() {
    local l=$1 m="$work/mnt-$1"
    mkdir -p "$m"; mnt[$l]=$m
    case $l in
        kernel)
            mkdir -p "$work/erofs"
            kernel_mount "$IMAGE" "$OBJECTS" "$work/erofs" "$m" || die "the kernel composefs mount failed" ;;
        *)
            local jar="$work/${l%-pt}.jar" opt=()
            [ "${l%-pt}" = "$l" ] || opt=(--passthrough)
            "${pin[@]}" "$java" --enable-native-access=ALL-UNNAMED -jar "$jar" fuse-serve "$IMAGE" "$m" --basedir "$OBJECTS" --stats \
                "${opt[@]}" 2>>"$work/$l.log" &
            pid[$l]=$!; track_server "$!" "$m"; mounts+=("$m")
            wait_mounted "$m" || { cat "$work/$l.log" >&2; die "fuse-serve ($l) did not mount"; } ;;
    esac
}
for l in "${labels[@]}"; do mount_one "$l"; done
mkdir -p "$work/ov"; mounts+=("$work/ov")   # overlay_walk's, taken down first if a walk is interrupted

# pinned FUNCTION ARGS...: runs one of the functions below in a shell on the PIN CPU (or unpinned)
pinned() { "${pin[@]}" bash -c "$(declare -f "$1"); SUBDIR='$SUBDIR'; work='$work'; $(printf '%q ' "$@")" 2>/dev/null; }
getfattr_all() { getfattr -R -h -d -m - "$1"; }
tar_sub() { (cd "$1/$SUBDIR" && tar cf - . | cat); }
xargs_sub() { (cd "$1/$SUBDIR" && find . -type f -print0 | xargs -0 -P4 cat); }
overlay_walk() { # a new overlay over MNT (as a writable container root), then tar SUBDIR through it
    local o="$work/ov" u="$work/ov-upper" w="$work/ov-work"
    rm -rf "$u" "$w"; mkdir -p "$o" "$u" "$w"
    mount -t overlay overlay -o "index=off,metacopy=off,redirect_dir=on,xino=off,lowerdir=$1,upperdir=$u,workdir=$w" "$o"
    (cd "$o/$SUBDIR" && tar cf - . | cat)
    umount "$o"
}

echo "files.sh: warming every mount (walk, getxattr, two reads of $SUBDIR)" >&2
for l in "${labels[@]}"; do
    m=${mnt[$l]}; find "$m" >/dev/null; getfattr_all "$m" >/dev/null 2>&1; tar_sub "$m" >/dev/null; tar_sub "$m" >/dev/null
done
read -r -a tests <<<"$TESTS"
declare -A S C
# server_cpu LABEL: the server's user + system time so far, in clock ticks (0 for the kernel mount)
server_cpu() { if [ -n "${pid[$1]:-}" ]; then awk '{ print $14 + $15 }' "/proc/${pid[$1]}/stat"; else echo 0; fi; }
tick=$(getconf CLK_TCK)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 0; r < ROUNDS; r++)); do
    for t in "${tests[@]}"; do
        for ((i = 0; i < ${#labels[@]}; i++)); do
            l=${labels[(i + r) % ${#labels[@]}]}
            c0=$(server_cpu "$l")
            case $t in
                getfattr) s=$(timed pinned getfattr_all "${mnt[$l]}") ;;
                tar) s=$(timed pinned tar_sub "${mnt[$l]}") ;;
                xargs) s=$(timed pinned xargs_sub "${mnt[$l]}") ;;
                overlay) s=$(timed pinned overlay_walk "${mnt[$l]}") ;;
            esac
            S[$t,$l]+="$s "
            C[$t,$l]=$(( ${C[$t,$l]:-0} + $(server_cpu "$l") - c0 ))
        done
    done
    echo "files.sh: round $((r + 1))/$ROUNDS done, load $(cut -d' ' -f1 /proc/loadavg)" >&2
done
load1=$(cut -d' ' -f1-3 /proc/loadavg)
if [ "$COLD" = 1 ]; then
    tests+=(cold-tar)
    for l in "${labels[@]}"; do
        drop_caches
        S[cold-tar,$l]=$(timed pinned tar_sub "${mnt[$l]}")
    done
fi

echo
echo "cfsj files benchmark: $IMAGE, SUBDIR=$SUBDIR, $ROUNDS rounds, $(nproc) CPUs, $(uname -r); load before $load0, after $load1"
echo "wall seconds, median of the rounds (cold-tar: one run); ratio = time / kernel time"
printf '%-10s' test; for l in "${labels[@]}"; do printf ' %9s' "$l"; done
for l in "${labels[@]:1}"; do printf ' %9s' "$l/k"; done; echo
for t in "${tests[@]}"; do
    printf '%-10s' "$t"
    declare -A med=()
    for l in "${labels[@]}"; do med[$l]=$(echo "${S[$t,$l]}" | median); printf ' %9.3f' "${med[$l]}"; done
    for l in "${labels[@]:1}"; do printf ' %9s' "$(awk -v a="${med[$l]}" -v b="${med[kernel]}" 'BEGIN { printf "%.2f", a / b }')"; done
    echo
done
echo "server CPU seconds (user + system) per run, mean of the rounds:"
printf '%-10s' test; for l in "${labels[@]:1}"; do printf ' %9s' "$l"; done; echo
for t in "${tests[@]}"; do
    [ "$t" != cold-tar ] || continue
    printf '%-10s' "$t"
    for l in "${labels[@]:1}"; do printf ' %9.3f' "$(awk -v c="${C[$t,$l]}" -v r="$ROUNDS" -v k="$tick" 'BEGIN { print c / r / k }')"; done
    echo
done
echo "samples:"
for t in "${tests[@]}"; do for l in "${labels[@]}"; do echo "  $t $l: ${S[$t,$l]}"; done; done
unmount_all   # the servers print their --stats line as they exit
for l in "${labels[@]:1}"; do echo "$l: $(grep -h 'stats:' "$work/$l.log")"; done
