#!/usr/bin/env bash
# Times `cfsj oci pull` (download + verify + decompress + import + composefs image build) against
# `skopeo copy docker://… oci:DIR` (download + verify + write blobs) of the same image, from the
# same local docker-registry, in the same run; then pulls a second image that shares layers and
# files with the first and reports what was deduplicated. See bench/README.md.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
root=$(dirname "$here")
# shellcheck source=../scripts/lib.sh
. "$root/scripts/lib.sh"
CFSJ=${CFSJ:-$root/cfsj}
ROUNDS=${ROUNDS:-3}
# REPULL=1: each timed cfsj pull goes into a repository that was pulled and deleted right
# before (not timed): file creation right after many deletions, as after a gc.
REPULL=${REPULL:-}
# The image: one layer per directory (real files from this machine's /usr), gzip -6 as
# registries usually serve them.
LAYERS=${LAYERS:-"usr/bin usr/include usr/share/doc usr/lib/python3.11 usr/share/perl"}

for t in docker-registry skopeo tar gzip sha256sum curl; do
    command -v "$t" >/dev/null || die --status 127 "$t is not installed (apt-get install docker-registry skopeo)"
done

tmp=$(mktemp -d /var/tmp/cfsj-pull-bench.XXXXXX)
regpid=
cleanup() {
    [ -n "$regpid" ] && kill "$regpid" 2>/dev/null && wait "$regpid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l; }
mib() { echo "scale=1; $1 / 1048576" | bc -l; }

# ---- registry ----
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$tmp/registry"
cat > "$tmp/registry/config.yml" <<YML
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $tmp/registry/storage
http:
  addr: 127.0.0.1:$port
YML
docker-registry serve "$tmp/registry/config.yml" > "$tmp/registry/log" 2>&1 &
regpid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$port/v2/" >/dev/null || { cat "$tmp/registry/log" >&2; exit 1; }
reg=127.0.0.1:$port

# ---- images (OCI layout written here, pushed with skopeo) ----
layout=$tmp/layout
mkdir -p "$layout/blobs/sha256"
echo '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
index_entries=()

# layer NAME SRC [TRANSFORM]: tars /SRC (optionally renamed), gzips it into the layout;
# sets LAYER_DESC and LAYER_DIFFID.
layer() {
    local name=$1 src=$2 transform=${3:-}
    local t=$tmp/$name.tar
    tar --sort=name --format=pax --numeric-owner ${transform:+--transform "$transform"} -C / -cf "$t" "$src" 2>/dev/null || true
    LAYER_DIFFID=sha256:$(sha256sum < "$t" | cut -d' ' -f1)
    gzip -n -6 -c "$t" > "$tmp/$name.gz"
    local d; d=$(sha256sum < "$tmp/$name.gz" | cut -d' ' -f1)
    mv "$tmp/$name.gz" "$layout/blobs/sha256/$d"
    LAYER_DESC="{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$d\",\"size\":$(stat -c %s "$layout/blobs/sha256/$d")}"
    UNCOMPRESSED=$((UNCOMPRESSED + $(stat -c %s "$t")))
    COMPRESSED=$((COMPRESSED + $(stat -c %s "$layout/blobs/sha256/$d")))
    rm -f "$t"
}

blob() { # writes stdin as a blob, prints its digest
    local f=$tmp/blob.tmp; cat > "$f"
    local d; d=$(sha256sum < "$f" | cut -d' ' -f1)
    mv "$f" "$layout/blobs/sha256/$d"; echo "sha256:$d"
}

# image TAG DESC... (with matching DIFFIDS array set by the caller)
image() {
    local tag=$1; shift
    local descs; descs=$(IFS=,; echo "$*")
    local ids; ids=$(printf '"%s",' "${DIFFIDS[@]}"); ids=${ids%,}
    local config="{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[$ids]}}"
    local cd; cd=$(printf '%s' "$config" | blob)
    local manifest="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"$cd\",\"size\":${#config}},\"layers\":[$descs]}"
    local md; md=$(printf '%s' "$manifest" | blob)
    index_entries+=("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"$md\",\"size\":${#manifest},\"annotations\":{\"org.opencontainers.image.ref.name\":\"$tag\"}}")
    echo "{\"schemaVersion\":2,\"manifests\":[$(IFS=,; echo "${index_entries[*]}")]}" > "$layout/index.json"
}

echo "building the images from /usr (not timed) ..."
UNCOMPRESSED=0; COMPRESSED=0
A_DESCS=(); DIFFIDS=(); i=0
for dir in $LAYERS; do
    layer "a$i" "$dir"; A_DESCS+=("$LAYER_DESC"); DIFFIDS+=("$LAYER_DIFFID"); i=$((i + 1))
done
image a "${A_DESCS[@]}"
A_UNCOMPRESSED=$UNCOMPRESSED; A_COMPRESSED=$COMPRESSED
# Image B: the first two layers of A, the files of A's last layer under another path (new
# layer, same file contents), and one new layer.
last=${LAYERS##* }
B_DESCS=("${A_DESCS[0]}" "${A_DESCS[1]}"); B_IDS=("${DIFFIDS[0]}" "${DIFFIDS[1]}")
layer b-moved "$last" "s,^$last,opt/moved," ; B_DESCS+=("$LAYER_DESC"); B_IDS+=("$LAYER_DIFFID")
layer b-new usr/share/man; B_DESCS+=("$LAYER_DESC"); B_IDS+=("$LAYER_DIFFID")
DIFFIDS=("${B_IDS[@]}")
image b "${B_DESCS[@]}"

skopeo copy -q --dest-tls-verify=false "oci:$layout:a" "docker://$reg/bench/a:1"
skopeo copy -q --dest-tls-verify=false "oci:$layout:b" "docker://$reg/bench/b:1"
echo "image a: $(echo "$LAYERS" | wc -w) layers, $(mib $A_UNCOMPRESSED) MiB uncompressed, $(mib $A_COMPRESSED) MiB gzip"

$CFSJ --version >/dev/null   # builds the jar if needed, outside the timed part
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- timed rounds, alternating ----
# Every round gets new destinations and nothing is deleted until the script exits: this
# machine's ext4 has no journal, and there the kernel skips recently deleted inodes when it
# allocates new ones (fs/ext4/ialloc.c, recently_deleted()), one by one. Creating 15,000 files
# right after deleting 15,000 takes seconds longer than on a fresh filesystem, so removing the
# previous round's repository here would time the script's own cleanup, not the pull.
best_cfsj=; best_skopeo=
for r in $(seq "$ROUNDS"); do
    repo=$tmp/repo$r
    if [ -n "$REPULL" ]; then
        $CFSJ --repo "$repo" oci pull --quiet "docker://$reg/bench/a:1" a > /dev/null
        rm -rf "$repo"
    fi
    sync
    t0=$(now)
    $CFSJ --repo "$repo" oci pull --quiet "docker://$reg/bench/a:1" a > "$tmp/id"
    t1=$(now)
    skopeo copy -q --src-tls-verify=false "docker://$reg/bench/a:1" "oci:$tmp/skopeo$r:a"
    t2=$(now)
    c=$(elapsed "$t0" "$t1"); s=$(elapsed "$t1" "$t2")
    printf 'round %d: cfsj oci pull %6.2f s   skopeo copy %6.2f s\n' "$r" "$c" "$s"
    if [ -z "$best_cfsj" ] || (( $(echo "$c < $best_cfsj" | bc -l) )); then best_cfsj=$c; fi
    if [ -z "$best_skopeo" ] || (( $(echo "$s < $best_skopeo" | bc -l) )); then best_skopeo=$s; fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

objects_before=$(find "$repo/objects" -type f | wc -l)
$CFSJ --repo "$repo" oci pull "docker://$reg/bench/b:1" b 2> "$tmp/b.log" > /dev/null
objects_after=$(find "$repo/objects" -type f | wc -l)

echo
echo "| what | time (best of $ROUNDS) | MB/s (gzip bytes) |"
echo "|---|---|---|"
printf '| skopeo copy docker:// → oci: | %.2f s | %.0f |\n' "$best_skopeo" "$(echo "$A_COMPRESSED / 1000000 / $best_skopeo" | bc -l)"
printf '| cfsj oci pull (download, verify, decompress, import, image) | %.2f s | %.0f |\n' "$best_cfsj" "$(echo "$A_COMPRESSED / 1000000 / $best_cfsj" | bc -l)"
printf '| ratio cfsj / skopeo | %.2fx | |\n' "$(echo "$best_cfsj / $best_skopeo" | bc -l)"
echo
echo "second image b (2 of a's layers, a's last layer's files moved to another path, 1 new layer):"
grep -E '^(layer|pulled|objects)' "$tmp/b.log" || cat "$tmp/b.log"
echo "repository objects: $objects_before after a, $objects_after after b"
