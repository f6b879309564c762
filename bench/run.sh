#!/usr/bin/env bash
# bench/run.sh — container start latency and a full read of /usr with `cfsj oci run` (crun), on
# cfsj's FUSE mount, FUSE + passthrough and the kernel composefs mount, in one run. Root needed.
# See bench/README.md ("run.sh").
#
#   bench/run.sh
#   ROUNDS=10 READ_ROUNDS=5 WORK=/var/tmp AOT=0 bench/run.sh    # the defaults
#   AOT=1 bench/run.sh    # every cfsj JVM with a JDK AOT cache (-XX:AOTCache) trained by one run first
#   JVM_OPTS="-XX:TieredStopAtLevel=1" bench/run.sh    # more options for every cfsj JVM
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)

ROUNDS=${ROUNDS:-10}            # start-latency samples per image and mode
READ_ROUNDS=${READ_ROUNDS:-5}   # /usr read samples per mode, cold and warm each
WORK=${WORK:-/var/tmp}

# shellcheck source=../scripts/lib.sh
. "$here/scripts/lib.sh"
[ "$(id -u)" = 0 ] || die "run as root: containers on FUSE/kernel mounts and drop_caches need it"
[ -e /dev/fuse ] || die "/dev/fuse is missing"
command -v crun >/dev/null || die "crun is not installed (apt-get install crun)"
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install debootstrap)"
[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 || die "a static /bin/busybox is needed (apt-get install busybox-static)"

require_java
"$here/cfsj" --version >/dev/null || die "cannot build or run $here/cfsj"
jar="$here/cli/target/cfsj.jar"
# the jar directly: the ./cfsj launcher's staleness check would be part of every sample
read -ra extra <<<"${JVM_OPTS:-}"   # more JVM options for every cfsj run, e.g. JVM_OPTS="-XX:+UseSerialGC"
jvmopts=("${extra[@]}")
cfsj() { "$java" --enable-native-access=ALL-UNNAMED "${jvmopts[@]}" -jar "$jar" --repo "$repo" "$@"; }

work=$(mktemp -d "$WORK/cfsj-run-bench.XXXXXX")
repo=$work/repo
cleanup() {
    set +e
    grep -q "$work" /proc/self/mounts && grep "$work" /proc/self/mounts | cut -d' ' -f2 | xargs -r -n1 umount -l
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

runopts=()
if [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
    runopts+=(--hide-cgroup-v2-controllers) # crun 1.8 refuses hybrid cgroups otherwise (cfsj oci run --help)
fi

# ------------------------------------------------------------------ the two images
echo "== images" >&2
"$here/examples/default-image/build-layout.sh" "$work/busybox-layout" --busybox /bin/busybox >/dev/null

# Debian minbase from the machine's mirror, shared with the integration tests' daily cache
suite=bookworm
mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1 || true)
[ -n "$mirror" ] || mirror=$(awk '$1=="deb" && $3=="'$suite'" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list*"
cache=$here/integration-tests/target/debian-minbase
deb=$cache/$suite-minbase-$(date +%F)
if [ ! -e "$deb.complete" ]; then
    echo "debootstrap --variant=minbase $suite $deb $mirror" >&2
    rm -rf "$deb"; mkdir -p "$cache"
    debootstrap --variant=minbase "$suite" "$deb" "$mirror" >"$work/debootstrap.log" 2>&1 || { cat "$work/debootstrap.log" >&2; die "debootstrap failed"; }
    touch "$deb.complete"
fi
# one uncompressed layer, as an OCI layout written by hand
dl=$work/debian-layout; mkdir -p "$dl/blobs/sha256"
tar --format=pax --xattrs --xattrs-include='*' --numeric-owner --sort=name -C "$deb" -cf "$work/debian.tar" .
diff_id=$(sha256sum "$work/debian.tar" | cut -d' ' -f1); size=$(stat -c %s "$work/debian.tar")
mv "$work/debian.tar" "$dl/blobs/sha256/$diff_id"
printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["bash"],"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diff_id" >"$work/c.json"
cd_=$(sha256sum "$work/c.json" | cut -d' ' -f1); cp "$work/c.json" "$dl/blobs/sha256/$cd_"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' \
    "$cd_" "$(stat -c %s "$work/c.json")" "$diff_id" "$size" >"$work/m.json"
md=$(sha256sum "$work/m.json" | cut -d' ' -f1); cp "$work/m.json" "$dl/blobs/sha256/$md"
printf '{"imageLayoutVersion":"1.0.0"}' >"$dl/oci-layout"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"minbase"}}]}' \
    "$md" "$(stat -c %s "$work/m.json")" >"$dl/index.json"

cfsj init >/dev/null
cfsj oci pull --quiet "oci:$work/busybox-layout:latest" busybox >/dev/null
cfsj oci pull --quiet "oci:$dl:minbase" debian >/dev/null
rm -rf "$dl"
usr_files=$(find "$deb/usr" -type f | wc -l); usr_mib=$(du -sm "$deb/usr" | cut -f1)

if [ "${AOT:-0}" = 1 ]; then
    # JDK 25 AOT cache (JEP 483/514/515): classes loaded and linked, method profiles, from one
    # training run that starts the FUSE server, runs crun and reads /usr
    echo "== AOT cache: training run" >&2
    jvmopts=("${extra[@]}" -XX:AOTCacheOutput="$work/cfsj.aot")
    cfsj oci run --fuse "${runopts[@]}" debian -- sh -c 'tar cf - /usr | cat >/dev/null' >/dev/null 2>&1
    jvmopts=("${extra[@]}" -XX:AOTCache="$work/cfsj.aot")
fi

modes=("--fuse" "--fuse=passthrough" "--kernel --insecure")
label() { case "$1" in --fuse) echo "FUSE" ;; --fuse=passthrough) echo "FUSE+passthrough" ;; *) echo "kernel" ;; esac; }
median_of() { echo "$1" | median; } # of a space-separated list of samples

# Start latency: from launching `cfsj oci run` to the container's first line on our stdout.
start_ms() { # MODE IMAGE
    local t0 t1
    t0=$(date +%s%N)
    # shellcheck disable=SC2086
    t1=$(cfsj oci run $1 "${runopts[@]}" "$2" -- echo first | { read -r _; date +%s%N; cat >/dev/null; })
    echo $(( (t1 - t0) / 1000000 ))
}
# /usr read inside the container, timed there: tar's output through cat (GNU tar does not read
# file contents when it writes to /dev/null itself).
read_ms() { # MODE
    # shellcheck disable=SC2086
    cfsj oci run $1 "${runopts[@]}" debian -- sh -c 's=$(date +%s%N); tar cf - /usr 2>/dev/null | cat >/dev/null; e=$(date +%s%N); echo $(( (e - s) / 1000000 ))'
}

declare -A res
echo "== start latency: $ROUNDS rounds, modes interleaved" >&2
for img in busybox debian; do
    for m in "${modes[@]}"; do start_ms "$m" "$img" >/dev/null; done # warm-up: JIT-less JVM start, page cache
    for ((i = 1; i <= ROUNDS; i++)); do
        for m in "${modes[@]}"; do
            v=$(start_ms "$m" "$img"); res["start $img $m"]+="$v "
        done
        printf '.' >&2
    done
    echo >&2
done
echo "== /usr read: $READ_ROUNDS rounds cold (drop_caches first) and warm, modes interleaved" >&2
for ((i = 1; i <= READ_ROUNDS; i++)); do
    for m in "${modes[@]}"; do
        sync; echo 3 >/proc/sys/vm/drop_caches
        res["cold $m"]+="$(read_ms "$m") "
        res["warm $m"]+="$(read_ms "$m") "
    done
    printf '.' >&2
done
echo >&2

# The same /usr read on the host, no container: a fresh mount per sample (`cfsj oci mount`, as a
# container gets one), backing files in the page cache; with squashfuse_ll (a C FUSE server, the
# same tree as an uncompressed squashfs) beside it, to show what a FUSE server costs here.
host_read_ms() { # MODE: mounts at $work/hmnt, reads, unmounts
    local s e
    if [ "$1" = squashfuse_ll ]; then
        squashfuse_ll "$work/debian.sqfs" "$work/hmnt" || return 1
    else
        # shellcheck disable=SC2086
        cfsj oci mount $1 debian "$work/hmnt" >/dev/null || return 1
    fi
    s=$(date +%s%N); tar cf - -C "$work/hmnt" usr 2>/dev/null | cat >/dev/null; e=$(date +%s%N)
    if [ "$1" = squashfuse_ll ]; then umount "$work/hmnt"; else cfsj umount "$work/hmnt" >/dev/null; fi
    echo $(( (e - s) / 1000000 ))
}
mkdir -p "$work/hmnt"
hmodes=("--fuse" "--fuse=passthrough" "--insecure") # oci mount: the kernel without --fuse
sq=
if command -v mksquashfs >/dev/null && command -v squashfuse_ll >/dev/null; then
    mksquashfs "$deb" "$work/debian.sqfs" -noappend -quiet -noI -noD -noF -noX -no-fragments >/dev/null 2>&1 && sq=1
else
    echo "run.sh: mksquashfs or squashfuse_ll missing (apt-get install squashfs-tools squashfuse): no squashfuse_ll row" >&2
fi
declare -A hres
echo "== host /usr read: $READ_ROUNDS rounds, fresh mount each, warm page cache, modes interleaved" >&2
for ((i = 0; i <= READ_ROUNDS; i++)); do # round 0 warms the page cache and is not counted
    for m in "${hmodes[@]}" ${sq:+squashfuse_ll}; do
        v=$(host_read_ms "$m")
        [ "$i" -gt 0 ] && hres["$m"]+="$v "
    done
    printf '.' >&2
done
echo >&2

kernel_of() { median_of "${res["$1 --kernel --insecure"]}"; }
echo
echo "cfsj oci run, crun $(crun --version | sed -n 's/^crun version //p'), $(nproc) cores, $(uname -r); median of $ROUNDS (start) / $READ_ROUNDS (read) in ms${jvmopts:+; JVM: ${jvmopts[*]}}"
echo "Debian minbase: $usr_files files, $usr_mib MiB under /usr"
printf '%-32s %10s %18s %10s %14s %18s\n' "" "FUSE" "FUSE+passthrough" "kernel" "FUSE/kernel" "passthrough/kernel"
for row in "start busybox" "start debian" "cold" "warm"; do
    case "$row" in
        "start busybox") name="start, busybox (to first output)" ;;
        "start debian") name="start, Debian (to first output)" ;;
        cold) name="read /usr, cold page cache" ;;
        warm) name="read /usr, warm page cache" ;;
    esac
    f=$(median_of "${res["$row --fuse"]}")
    p=$(median_of "${res["$row --fuse=passthrough"]}")
    k=$(kernel_of "$row")
    printf '%-32s %10s %18s %10s %14s %18s\n' "$name" "$f" "$p" "$k" \
        "$(awk -v a="$f" -v b="$k" 'BEGIN{printf "%.2fx", a/b}')" "$(awk -v a="$p" -v b="$k" 'BEGIN{printf "%.2fx", a/b}')"
done
echo
echo "all samples (ms):"
for key in "${!res[@]}"; do echo "  $key: ${res[$key]}"; done | sort
echo
hk=$(median_of "${hres[--insecure]}")
echo "host: tar cf - usr | cat on a fresh mount (no container), warm page cache, median of $READ_ROUNDS, ms (ratio to the kernel mount)"
for m in "${hmodes[@]}" squashfuse_ll; do
    [ -n "${hres["$m"]:-}" ] || continue
    v=$(median_of "${hres["$m"]}")
    case "$m" in squashfuse_ll) name="squashfuse_ll (C)" ;; --insecure) name=kernel ;; *) name=$(label "$m") ;; esac
    printf '  %-24s %6s  %s\n' "$name" "$v" "$(awk -v a="$v" -v b="$hk" 'BEGIN{printf "%.2fx", a/b}')"
done
for key in "${!hres[@]}"; do echo "  samples $key: ${hres[$key]}"; done | sort
echo
echo "goal (issue 5): FUSE within 1.3x of the kernel mount for start latency and the /usr read"
