#!/usr/bin/env bash
# bench/service.sh — `cfsj serve` (issue 13): Mount latency of an image already served, ten
# containers started one after another through the service, and the service's RSS with ten images
# mounted and walked. FUSE figures as ratios to the kernel composefs mount in the same run. Root.
# See bench/README.md ("service.sh").
#
#   bench/service.sh
#   N=100 ROUNDS=2 CONTAINERS=10 IMAGES=10 FILES=2000 WORK=/var/tmp bench/service.sh   # the defaults
#   IMAGE=busybox bench/service.sh    # the containers from busybox instead of Debian minbase
#   MINBASE=DIR bench/service.sh      # a Debian minbase tree made elsewhere (DIR.complete must exist)
#   SERVE_JVM_OPTS="-XX:NativeMemoryTracking=summary" bench/service.sh   # JVM options for the service; with NMT
#                                     # the RSS line is followed by the JVM's memory by category
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)

N=${N:-100}                    # Mount latency samples per mode
ROUNDS=${ROUNDS:-2}            # rounds of CONTAINERS containers per mode
CONTAINERS=${CONTAINERS:-10}   # containers per round; the first of each round is not counted
IMAGES=${IMAGES:-10}           # distinct images for the RSS figure
FILES=${FILES:-2000}           # files per such image
IMAGE=${IMAGE:-debian}         # debian (minbase, from integration-tests/target/debian-minbase) or busybox
WORK=${WORK:-/var/tmp}

# shellcheck source=../scripts/lib.sh
. "$here/scripts/lib.sh"
[ "$(id -u)" = 0 ] || die "run as root: mounts, crun and the service's FUSE servers need it"
[ -e /dev/fuse ] || die "/dev/fuse is missing"
command -v crun >/dev/null || die "crun is not installed (apt-get install crun)"
command -v python3 >/dev/null || die "python3 is needed to generate the RSS benchmark's trees"
require_java
"$here/cfsj" --version >/dev/null || die "cannot build or run $here/cfsj"
jar="$here/cli/target/cfsj.jar"
cfsj() { "$java" --enable-native-access=ALL-UNNAMED -jar "$jar" --repo "$repo" "$@"; }

work=$(mktemp -d "$WORK/cfsj-service-bench.XXXXXX")
repo=$work/repo
sock=$work/cfsj.sock
spid=
cleanup() {
    set +e
    [ -n "$spid" ] && kill "$spid" 2>/dev/null && wait "$spid" 2>/dev/null
    grep -q "$work" /proc/self/mounts && grep "$work" /proc/self/mounts | cut -d' ' -f2 | sort -r | xargs -r -n1 umount -l
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

crun_run() { crun run "$@"; }
if [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
    # crun 1.8 refuses hybrid cgroups: as `cfsj oci run --hide-cgroup-v2-controllers`, run it in a
    # private mount namespace where /dev/null covers the v2 controllers file
    crun_run() {
        # shellcheck disable=SC2016
        unshare -m --propagation private sh -c 'mount --bind /dev/null /sys/fs/cgroup/unified/cgroup.controllers && exec "$0" "$@"' crun run "$@"
    }
fi

# The client, compiled once: a sample must not hold a JVM start or a compilation.
mkdir -p "$work/client"
"$(dirname "$java")/javac" -nowarn -cp "$jar" -d "$work/client" "$here/bench/ServiceClient.java" 2>/dev/null \
    || die "cannot compile bench/ServiceClient.java"
client() { "$java" --enable-native-access=ALL-UNNAMED -cp "$jar:$work/client" ServiceClient "$1" "$sock" "${@:2}"; }

# layout_of TREE LAYOUT TAG: an OCI layout of one uncompressed layer holding TREE
layout_of() {
    local tree=$1 l=$2 tag=$3 diff_id size cd md
    mkdir -p "$l/blobs/sha256"
    tar --format=pax --xattrs --xattrs-include='*' --numeric-owner --sort=name -C "$tree" -cf "$l/layer.tar" .
    diff_id=$(sha256sum "$l/layer.tar" | cut -d' ' -f1); size=$(stat -c %s "$l/layer.tar")
    mv "$l/layer.tar" "$l/blobs/sha256/$diff_id"
    printf '{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"],"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diff_id" >"$l/c.json"
    cd=$(sha256sum "$l/c.json" | cut -d' ' -f1)
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' \
        "$cd" "$(stat -c %s "$l/c.json")" "$diff_id" "$size" >"$l/m.json"
    md=$(sha256sum "$l/m.json" | cut -d' ' -f1)
    printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
        "$md" "$(stat -c %s "$l/m.json")" "$tag" >"$l/index.json"
    mv "$l/c.json" "$l/blobs/sha256/$cd"; mv "$l/m.json" "$l/blobs/sha256/$md"
    printf '{"imageLayoutVersion":"1.0.0"}' >"$l/oci-layout"
}

# ------------------------------------------------------------------ images
echo "== images" >&2
cfsj init >/dev/null
if [ "$IMAGE" = debian ]; then
    tree=${MINBASE:-$(find "$here/integration-tests/target/debian-minbase" -maxdepth 1 -name 'bookworm-minbase-*' -type d 2>/dev/null | sort | tail -1 || true)}
    [ -n "$tree" ] && [ -e "$tree.complete" ] || die "no Debian minbase under integration-tests/target/debian-minbase (run bench/run.sh or the Debian tests once; or MINBASE=DIR, or IMAGE=busybox)"
    layout_of "$tree" "$work/ct-layout" ct
else
    [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 || die "a static /bin/busybox is needed (apt-get install busybox-static)"
    "$here/examples/default-image/build-layout.sh" "$work/ct-layout" --busybox /bin/busybox >/dev/null
    tree="busybox (examples/default-image)"
    sed -i 's/"latest"/"ct"/' "$work/ct-layout/index.json"
fi
cfsj oci pull --quiet "oci:$work/ct-layout:ct" ct >/dev/null
rm -rf "$work/ct-layout"

# IMAGES distinct trees of FILES files each (random sizes and contents, 40 directories)
python3 - "$work/trees" "$IMAGES" "$FILES" <<'EOF'
import os, random, sys
root, images, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(images):
    rnd = random.Random(i)
    for f in range(files):
        d = os.path.join(root, str(i), "d%02d" % (f % 40))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "f%05d" % f), "wb") as out:
            out.write(rnd.randbytes(rnd.randint(64, 8192)))
EOF
for ((i = 0; i < IMAGES; i++)); do
    layout_of "$work/trees/$i" "$work/l$i" "t$i"
    cfsj oci pull --quiet "oci:$work/l$i:t$i" "rss$i" >/dev/null
    rm -rf "$work/l$i" "$work/trees/$i"
done

# ------------------------------------------------------------------ the service
read -ra serve_opts <<<"${SERVE_JVM_OPTS:-}" # JVM options for the service, e.g. "-XX:+UseSerialGC"
"$java" --enable-native-access=ALL-UNNAMED "${serve_opts[@]}" -jar "$jar" --repo "$repo" serve --socket "$sock" --idle 3s >"$work/serve.log" 2>&1 &
spid=$!
for ((i = 0; i < 300; i++)); do [ -S "$sock" ] && break; kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
[ -S "$sock" ] || { cat "$work/serve.log" >&2; die "cfsj serve did not come up"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$spid/status"; }
hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$spid/status"; }
mib() { awk -v k="$1" 'BEGIN{printf "%.0f", k/1024}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2fx", a/b}'; }
median_of() { echo "$1" | median; }
# unmount_all DIR...: what the benchmark attached
unmount_all() { local d; for d in "$@"; do umount "$d"; done; }
# wait_released: the service's FUSE servers gone (no /dev/fuse fd left), at most 30 s
wait_released() {
    local i
    for ((i = 0; i < 300; i++)); do
        ls -l "/proc/$spid/fd" 2>/dev/null | grep -q /dev/fuse || return 0
        sleep 0.1
    done
    echo "service.sh: the service still holds /dev/fuse after 30 s" >&2
}

# ------------------------------------------------------------------ c. RSS with IMAGES images
echo "== RSS: $IMAGES images of $FILES files mounted and walked" >&2
rss_idle=$(rss_kib)
mkdir -p "$work/rss"
dirs=()
for ((i = 0; i < IMAGES; i++)); do
    mkdir "$work/rss/$i"; client mount "rss$i" "$work/rss/$i" '{}' >/dev/null
    dirs+=("$work/rss/$i")
done
for d in "${dirs[@]}"; do find "$d" -ls >/dev/null; done
rss_mounted=$(rss_kib)
sleep 2
rss_settled=$(rss_kib); hwm=$(hwm_kib)
rss_parts=$(awk '/^Rss(Anon|File|Shmem):/ {printf " %s %.0f", $1, $2/1024}' "/proc/$spid/status")
# where it is: the Java heap (used/committed) before and after a full GC, and the RSS after it
heap_before=$("$(dirname "$java")/jcmd" "$spid" GC.heap_info 2>/dev/null | sed -n '2,3p' | tr -s ' \n' ' ')
nmt=
if [[ "${SERVE_JVM_OPTS:-}" == *NativeMemoryTracking* ]]; then # the JVM's own account, by category (committed KiB)
    nmt=$("$(dirname "$java")/jcmd" "$spid" VM.native_memory summary 2>/dev/null \
        | sed -n 's/^-  *\([A-Za-z ]*[a-z]\) *(reserved=[0-9]*KB, committed=\([0-9]*\)KB.*/\1=\2/p' | sort -t= -k2 -rn | head -8 | tr '\n' ' ')
fi
"$(dirname "$java")/jcmd" "$spid" GC.run >/dev/null 2>&1
sleep 1
rss_gc=$(rss_kib)
heap_after=$("$(dirname "$java")/jcmd" "$spid" GC.heap_info 2>/dev/null | sed -n '2,3p' | tr -s ' \n' ' ')
unmount_all "${dirs[@]}"
wait_released
sleep 1
rss_released=$(rss_kib)

# ------------------------------------------------------------------ a. Mount latency
echo "== Mount latency: $N calls per mode, the image held mounted (served) throughout" >&2
mkdir -p "$work/held" "$work/lat"
client mount ct "$work/held" '{}' >/dev/null
client latency ct 10 "$work/lat" '{}' >/dev/null # warm-up, not counted
client latency ct 10 "$work/lat" '{"fuse":false,"insecure":true}' >/dev/null
lat_fuse=$(client latency ct "$N" "$work/lat" '{}' | tr '\n' ' ')
lat_kernel=$(client latency ct "$N" "$work/lat" '{"fuse":false,"insecure":true}' | tr '\n' ' ')
umount "$work/held"
wait_released

# ------------------------------------------------------------------ b. containers
echo "== containers: $ROUNDS rounds of $CONTAINERS per mode, one after another, overlay roots through the service" >&2
# the config.json `cfsj oci bundle` writes for the image, with the benchmark's command
# shellcheck disable=SC2016
cmd='echo first; s=$(date +%s%N); n=$(tar cf - /usr 2>/dev/null | wc -c); e=$(date +%s%N); echo $(( (e - s) / 1000000 )) $n'
cfsj oci bundle --no-service --kernel --insecure ct "$work/cfg" -- sh -c "$cmd" >/dev/null
cp "$work/cfg/config.json" "$work/config.json"
cfsj umount "$work/cfg/rootfs" >/dev/null
declare -A start tarms
bytes=
container() { # MODE OPTIONS ROUND I: prints "start_ms tar_ms bytes"
    local b=$work/ct/$1-$3-$4 t0 t1 m out
    mkdir -p "$b/rootfs" "$b/layer/upper" "$b/layer/work"
    cp "$work/config.json" "$b/config.json"
    m=$(client mount ct "$b/rootfs" "$2" "$b/layer/upper" "$b/layer/work")
    t0=$(date +%s%N)
    out=$(crun_run --bundle "$b" "svcbench-$$-$1-$3-$4" | { read -r _; t=$(date +%s%N); cat; echo "$t"; })
    t1=$(tail -1 <<<"$out")
    read -r tms n <<<"$(head -1 <<<"$out")"
    echo "$(awk -v m="$m" -v d=$(( (t1 - t0) / 1000 )) 'BEGIN{printf "%.1f", m + d/1000}') $tms $n"
}
for ((r = 1; r <= ROUNDS; r++)); do
    for mode in fuse kernel; do
        [ "$mode" = fuse ] && opts='{}' || opts='{"fuse":false,"insecure":true}'
        for ((i = 1; i <= CONTAINERS; i++)); do
            read -r s t n <<<"$(container "$mode" "$opts" "$r" "$i")"
            [ -n "$n" ] && [ "$n" -gt 0 ] || die "container $mode $r $i: no tar output"
            if [ "$i" -gt 1 ]; then start[$mode]+="$s "; tarms[$mode]+="$t "; fi
            bytes=$n
        done
        mapfile -t mounted < <(grep " $work/ct/$mode-$r-" /proc/self/mounts | cut -d' ' -f2)
        unmount_all "${mounted[@]}"
        rm -rf "$work/ct"
        wait_released
        printf '.' >&2
    done
done
echo >&2

# ------------------------------------------------------------------ report
lf=$(median_of "$lat_fuse"); lk=$(median_of "$lat_kernel")
sf=$(median_of "${start[fuse]}"); sk=$(median_of "${start[kernel]}")
tf=$(median_of "${tarms[fuse]}"); tk=$(median_of "${tarms[kernel]}")
echo
echo "cfsj serve, $(nproc) cores, $(uname -r), crun $(crun --version | sed -n 's/^crun version //p'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "container image: $IMAGE ($tree); /usr tar stream $bytes bytes"
printf '%-52s %10s %10s %10s\n' "" "FUSE" "kernel" "FUSE/kernel"
printf '%-52s %10s %10s %10s\n' "a. OciMount request to reply, ms (median of $N)" "$lf" "$lk" "$(ratio "$lf" "$lk")"
printf '%-52s %10s %10s %10s\n' "b. container start to first output, ms (2-$CONTAINERS)" "$sf" "$sk" "$(ratio "$sf" "$sk")"
printf '%-52s %10s %10s %10s\n' "b. warm tar cf - /usr | wc -c in it, ms (2-$CONTAINERS)" "$tf" "$tk" "$(ratio "$tf" "$tk")"
echo
echo "c. service VmRSS, MiB: idle $(mib "$rss_idle"); $IMAGES images mounted and walked $(mib "$rss_mounted")" \
    "(2 s later $(mib "$rss_settled"), VmHWM $(mib "$hwm"); after a full GC $(mib "$rss_gc")); all released" \
    "$(mib "$rss_released"); goal <= 256${SERVE_JVM_OPTS:+; service JVM: $SERVE_JVM_OPTS}"
echo "   of it, MiB:$rss_parts"
echo "   heap before the GC:$heap_before"
echo "   heap after the GC: $heap_after"
[ -z "$nmt" ] || echo "   native memory tracking, committed KiB: $nmt"
echo
echo "samples (ms):"
echo "  latency fuse: $lat_fuse"
echo "  latency kernel: $lat_kernel"
for m in fuse kernel; do echo "  start $m: ${start[$m]}"; echo "  tar $m: ${tarms[$m]}"; done
