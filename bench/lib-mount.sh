# shellcheck shell=bash
# What the mount benchmarks (bench/fuse.sh, bench/tree.sh) share: the kernel composefs mount of an
# image, waiting for a FUSE server's mount, taking every mount and server down on any exit, timing
# commands, dropping the page cache. Sourced, not run, after scripts/lib.sh and require_java (it
# uses die and $java), with $jar set to cli/target/cfsj.jar:
#
#   . "$here/bench/lib-mount.sh"
#   trap 'unmount_all; rm -rf "$work"' EXIT
#
# It keeps two arrays: mounts, the mount points to take down (last first), and servers, "PID
# MOUNTPOINT" of each server process started (stopped only while its command line still names its
# mount point, so that a recycled PID is never signalled). unmount_all empties both.

mounts=()
servers=()
_lib_mount_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# now: the wall clock in seconds, without a fork.
now() { echo "$EPOCHREALTIME"; }

# drop_caches: writes dirty pages back, then drops the page cache, dentries and inodes (whole machine).
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }

# timed CMD...: runs CMD (stdout to /dev/null), prints its wall time in seconds; a failing CMD is
# said on stderr (its time is printed all the same).
timed() {
    local t0 t1 rc=0
    t0=$EPOCHREALTIME
    "$@" >/dev/null || rc=$?
    t1=$EPOCHREALTIME
    [ "$rc" = 0 ] || echo "${0##*/}: warning: '$*' exited with status $rc" >&2
    awk -v a="$t1" -v b="$t0" 'BEGIN { printf "%.3f", a - b }'
}

# best_of N CMD...: the fastest of N timed runs.
best_of() {
    local n=$1 best='' t r
    shift
    for ((r = 0; r < n; r++)); do
        t=$(timed "$@")
        if [ -z "$best" ] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then best=$t; fi
    done
    echo "$best"
}

# median_of N CMD...: the median of N timed runs (scripts/lib.sh's median).
median_of() {
    local n=$1 all='' r
    shift
    for ((r = 0; r < n; r++)); do all+="$(timed "$@") "; done
    echo "$all" | median
}

# kmount SOURCE TARGET TYPE DATA|-: mount(2) read-only (bench/Mount.java, through cfsj's MountCalls).
kmount() {
    "$java" --enable-native-access=ALL-UNNAMED -cp "$jar" "$_lib_mount_dir/Mount.java" "$@"
}

# kernel_mount IMAGE OBJECTS EROFS_DIR OVERLAY_DIR: the kernel composefs view of IMAGE at
# OVERLAY_DIR: IMAGE mounted file-backed as EROFS at EROFS_DIR, under overlayfs with OBJECTS as
# its data-only lower layer. Fails (status 1, the kernel's error on stderr, nothing left mounted)
# where the kernel cannot (file-backed EROFS needs Linux 6.12, data-only layers 6.5).
kernel_mount() {
    kmount "$1" "$3" erofs - || return 1
    mounts+=("$3")
    if ! kmount overlay "$4" overlay "ro,metacopy=on,redirect_dir=on,lowerdir=$3::$2"; then
        umount "$3"
        return 1
    fi
    mounts+=("$4")
}

# kernel_umount EROFS_DIR OVERLAY_DIR: takes down what kernel_mount made.
kernel_umount() { umount "$2" && umount "$1"; }

# wait_mounted DIR [SECONDS]: waits until something is mounted at DIR (default 20 s); status 1 if not.
wait_mounted() {
    local i
    for ((i = 0; i < ${2:-20} * 20; i++)); do
        mountpoint -q "$1" && return 0
        sleep 0.05
    done
    mountpoint -q "$1"
}

# track_server PID MOUNTPOINT: PID serves MOUNTPOINT; unmount_all stops it if it is still there.
track_server() { servers+=("$1 $2"); }

# serves PID MOUNTPOINT: status 0 if process PID is alive and MOUNTPOINT is one of its arguments.
serves() {
    tr '\0' '\n' 2>/dev/null <"/proc/$1/cmdline" | grep -qxF -- "$2"
}

# server_of MOUNTPOINT: prints the PID of the process that has MOUNTPOINT as an argument (a
# server that detached itself, so not a child of this shell), or nothing.
server_of() {
    local c p
    for c in /proc/[0-9]*/cmdline; do
        p=${c#/proc/}; p=${p%/cmdline}
        [ "$p" = "$$" ] || [ "$p" = "$BASHPID" ] && continue
        case $(tr '\0' ' ' 2>/dev/null <"$c") in
            *"$1"*) serves "$p" "$1" && { echo "$p"; return 0; } ;;
        esac
    done
    return 0
}

# stop_server PID MOUNTPOINT [SECONDS]: waits up to SECONDS (default 20) for the server of an
# unmounted MOUNTPOINT to exit, then sends SIGTERM, then SIGKILL; reaps it if it is our child.
# Status 1 if it had to be signalled.
stop_server() {
    local i rc=0
    for ((i = 0; i < ${3:-20} * 20; i++)); do serves "$1" "$2" || break; sleep 0.05; done
    if serves "$1" "$2"; then
        rc=1
        echo "${0##*/}: server $1 of $2 still running after unmount: SIGTERM" >&2
        kill "$1" 2>/dev/null
        sleep 2
        serves "$1" "$2" && kill -9 "$1" 2>/dev/null
    fi
    wait "$1" 2>/dev/null || true
    return "$rc"
}

# mounts_under DIR: prints each mount point at or below DIR (from /proc/self/mountinfo), one a line.
mounts_under() {
    awk -v d="$1" '{ m = $5; gsub(/\\040/, " ", m); if (m == d || index(m, d "/") == 1) print m }' /proc/self/mountinfo
}

# unmount_all: unmounts what is still mounted in mounts (last first; lazily if busy), stops the
# servers still serving, and forgets both.
unmount_all() {
    local i p m
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
        if mountpoint -q "${mounts[i]}"; then
            umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}"
        fi
    done
    for i in "${servers[@]}"; do
        p=${i%% *}; m=${i#* }
        serves "$p" "$m" && stop_server "$p" "$m" 5
    done
    mounts=()
    servers=()
}
