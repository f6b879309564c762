#!/usr/bin/env bash
# Builds the demo image as an OCI image layout from the plain files next to this script:
#   rootfs/             the image's files (text files, a symlink, /etc/passwd and /etc/group)
#   image-config.json   the process part of the image config (Cmd, Env, WorkingDir, User)
# Usage: build-layout.sh OUT [--busybox PATH]
# OUT becomes an OCI layout holding one image tagged "latest": one gzip layer (a GNU tar with
# fixed owners, modes and mtimes, so the digests are the same on every run and machine), a
# config and a manifest. With --busybox, a static busybox binary and its applet links are added
# (as /bin/busybox, /bin/sh, ...) so that the image can run in a container.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
out=${1:?usage: build-layout.sh OUT [--busybox PATH]}
busybox=
if [ "${2:-}" = --busybox ]; then busybox=${3:?--busybox needs a path}; fi

MTIME=1700000000                       # 2023-11-14T22:13:20Z, also the config's "created"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/rootfs
cp -a "$here/rootfs" "$root"
# directories git cannot keep (empty ones): mount points a container runtime needs, and /tmp
mkdir -p "$root"/{bin,dev,proc,sys,run,tmp}
if [ -n "$busybox" ]; then
    cp "$busybox" "$root/bin/busybox"
    for applet in $("$busybox" --list-full); do
        [ "$applet" = bin/busybox ] && continue
        mkdir -p "$root/$(dirname "$applet")"
        [ -e "$root/$applet" ] || [ -L "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
    done
fi

sha256() { sha256sum "$1" | cut -d' ' -f1; }
tarflags=(--format=pax --pax-option=delete=atime,delete=ctime --sort=name --mtime=@$MTIME
          --numeric-owner --no-acls --no-xattrs --no-selinux)
# modes normalised (git keeps only the x bit; umasks differ), /tmp sticky; everything root-owned
# except /home/demo, which is appended owned by the demo user (1000:1000)
chmod -R u+rwX,go+rX,go-w "$root"
chmod 1777 "$root/tmp"
tar "${tarflags[@]}" --owner=0 --group=0 --exclude=./home/demo -C "$root" -cf "$stage/layer.tar" .
tar "${tarflags[@]}" --owner=1000 --group=1000 -C "$root" -rf "$stage/layer.tar" ./home/demo
diff_id=$(sha256 "$stage/layer.tar")
gzip -n -9 -c "$stage/layer.tar" > "$stage/layer.tar.gz"

case "$(uname -m)" in
    x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; armv7l) arch=arm ;; *) arch=$(uname -m) ;;
esac
process=$(tr -d '\n' < "$here/image-config.json")
printf '{"created":"2023-11-14T22:13:20Z","architecture":"%s","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"2023-11-14T22:13:20Z","created_by":"examples/default-image/build-layout.sh%s"}]}' \
    "$arch" "$process" "$diff_id" "${busybox:+ --busybox}" > "$stage/config.json"

rm -rf "$out"
mkdir -p "$out/blobs/sha256"
blob() { local d; d=$(sha256 "$1"); cp "$1" "$out/blobs/sha256/$d"; echo "$d"; }
layer=$(blob "$stage/layer.tar.gz")
config=$(blob "$stage/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d}]}' \
    "$config" "$(stat -c %s "$stage/config.json")" "$layer" "$(stat -c %s "$stage/layer.tar.gz")" > "$stage/manifest.json"
manifest=$(blob "$stage/manifest.json")
printf '{"imageLayoutVersion":"1.0.0"}' > "$out/oci-layout"
printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
    "$manifest" "$(stat -c %s "$stage/manifest.json")" > "$out/index.json"
echo "sha256:$manifest"
