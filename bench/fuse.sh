#!/usr/bin/env bash
# bench/fuse.sh — cfsj fuse-serve against the kernel composefs mount and squashfuse_ll, on one
# generated tree, in one run. Needs root (mounts, drop_caches). See bench/README.md.
#
#   bench/fuse.sh
#   FILES=50000 SMALL_MIB=600 BIG_MIB=1024 FIO_SECONDS=15 SEQ_ROUNDS=7 WORK=/var/tmp bench/fuse.sh   # the defaults
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)

FILES=${FILES:-50000}          # small files (plus one BIG_MIB file)
SMALL_MIB=${SMALL_MIB:-600}    # about this much data in the small files
BIG_MIB=${BIG_MIB:-1024}       # the file read sequentially and randomly
FIO_SECONDS=${FIO_SECONDS:-15}  # per mount, spread over the SEQ_ROUNDS rounds
SEQ_ROUNDS=${SEQ_ROUNDS:-7}    # rounds over all mounts for the big-file rows (sequential cold, warm, fio): medians
WORK=${WORK:-/var/tmp}         # where the tree, the objects and the images go (a real disk: cold reads hit it)

# shellcheck source=../scripts/lib.sh
. "$here/scripts/lib.sh"
[ "$(id -u)" = 0 ] || die "run as root: the benchmark mounts filesystems and drops the page cache"
[ -e /dev/fuse ] || die "/dev/fuse is missing"

# The tools the comparison needs, from Debian; installed here when missing (and said so).
need=()
command -v mksquashfs >/dev/null || need+=(squashfs-tools)
command -v squashfuse_ll >/dev/null || need+=(squashfuse)
command -v fio >/dev/null || need+=(fio)
if [ ${#need[@]} -gt 0 ]; then
    echo "fuse.sh: installing ${need[*]} with apt-get (not installed)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null || die "apt-get install ${need[*]} failed"
fi

# The JDK that runs cfsj also runs the helpers (single-file source programs: GenTree below, bench/Mount.java).
require_java
"$here/cfsj" --version >/dev/null || die "cannot build or run $here/cfsj"
jar="$here/cli/target/cfsj.jar"
cfsj() { "$java" --enable-native-access=ALL-UNNAMED -jar "$jar" "$@"; }

# shellcheck source=lib-mount.sh
. "$here/bench/lib-mount.sh"

work=$(mktemp -d "$WORK/cfsj-fuse-bench.XXXXXX")
cleanup() {
    set +e
    unmount_all
    if [ -n "$(mounts_under "$work")" ]; then
        echo "fuse.sh: still mounted under $work (left in place): $(mounts_under "$work" | tr '\n' ' ')" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- the tree generator (Java)
cat >"$work/GenTree.java" <<'EOF'
import java.io.*;
import java.nio.file.*;
import java.util.SplittableRandom;

/** GenTree DIR FILES SMALL_MIB BIG_MIB: a tree of FILES mixed-size files in 2-level directories, plus big/seq.bin. */
public class GenTree {
    public static void main(String[] a) throws IOException {
        Path root = Path.of(a[0]);
        int files = Integer.parseInt(a[1]);
        long smallBytes = Long.parseLong(a[2]) << 20;
        long bigBytes = Long.parseLong(a[3]) << 20;
        SplittableRandom rnd = new SplittableRandom(1);
        byte[] pool = new byte[8 << 20];
        rnd.nextBytes(pool);
        // sizes like a system tree: many tiny (inline in composefs), most a few KiB, a few large
        long[] sizes = new long[files];
        long total = 0;
        for (int i = 0; i < files; i++) {
            int k = rnd.nextInt(100);
            sizes[i] = k < 25 ? rnd.nextInt(65) : k < 70 ? 65 + rnd.nextInt(8 << 10) : k < 95 ? (8 << 10) + rnd.nextInt(56 << 10)
                    : (64 << 10) + rnd.nextInt(1 << 20);
            total += sizes[i];
        }
        double scale = (double) smallBytes / total;
        int perDir = 25;
        for (int i = 0; i < files; i++) {
            Path dir = root.resolve(String.format("d%03d/s%03d", i / perDir / 40, i / perDir % 40));
            if (i % perDir == 0) {
                Files.createDirectories(dir);
            }
            long size = sizes[i] <= 64 ? sizes[i] : Math.max(65, (long) (sizes[i] * scale));
            try (OutputStream out = new FileOutputStream(dir.resolve("f" + i + ".dat").toFile())) {
                int off = rnd.nextInt(pool.length - (2 << 20));
                for (long done = 0; done < size; ) {
                    int n = (int) Math.min(size - done, 2 << 20);
                    out.write(pool, off, n);
                    done += n;
                    // distinct content per file: objects are named by digest, duplicates would share one
                    pool[rnd.nextInt(pool.length)] ^= 1;
                }
            }
            if (i % 500 == 0) {
                Files.createSymbolicLink(dir.resolve("link" + i), Path.of("f" + i + ".dat"));
            }
        }
        Files.createDirectories(root.resolve("big"));
        try (OutputStream out = new FileOutputStream(root.resolve("big/seq.bin").toFile())) {
            for (long done = 0; done < bigBytes; done += 1 << 20) {
                pool[rnd.nextInt(pool.length)] ^= 1;
                out.write(pool, (int) (done % (pool.length - (1 << 20))) & ~4095, 1 << 20);
            }
        }
    }
}
EOF

# ---------------------------------------------------------------- the tree and its images
echo "fuse.sh: generating $FILES files (~$SMALL_MIB MiB) + one $BIG_MIB MiB file in $work" >&2
t=$(timed "$java" "$work/GenTree.java" "$work/src" "$FILES" "$SMALL_MIB" "$BIG_MIB")
echo "fuse.sh:   $(du -sh --apparent-size "$work/src" | cut -f1), $(find "$work/src" | wc -l) entries, ${t%.*} s" >&2
echo "fuse.sh: cfsj mkcomposefs --digest-store, mksquashfs (uncompressed)" >&2
cfsj mkcomposefs "$work/src" "$work/image.cfs" --digest-store "$work/objects"
mksquashfs "$work/src" "$work/image.sqfs" -noI -noId -noD -noF -noX -no-progress -quiet -processors "$(nproc)" >/dev/null

k="$work/mnt-kernel"; e="$work/mnt-erofs"; f="$work/mnt-cfsj"; p="$work/mnt-cfsj-pt"; s="$work/mnt-squashfuse"
L="$work/mnt-cfsj-L"
mkdir -p "$k" "$e" "$f" "$p" "$s" "$L"
labels=(kernel cfsj cfsj-pt cfsj-L squashfuse)
declare -A pid   # label -> its server's PID
declare -A mnt=([kernel]=$k [cfsj]=$f [cfsj-pt]=$p [cfsj-L]=$L [squashfuse]=$s)

mount_one() { # mount_one LABEL: mounts and waits until live
    case $1 in
        kernel)
            kernel_mount "$work/image.cfs" "$work/objects" "$e" "$k" || die "the kernel composefs mount failed" ;;
        cfsj | cfsj-pt | cfsj-L)
            local opt=(); [ "$1" = cfsj-pt ] && opt=(--passthrough); [ "$1" = cfsj-L ] && opt=(--digest-ledger "$work/ledger")
            # java itself in the background (not the cfsj function), so that $! is the server
            "$java" --enable-native-access=ALL-UNNAMED -jar "$jar" fuse-serve "$work/image.cfs" "${mnt[$1]}" \
                --basedir "$work/objects" --stats "${opt[@]}" 2>>"$work/$1.log" &
            pid[$1]=$!; track_server "$!" "${mnt[$1]}"; mounts+=("${mnt[$1]}")
            wait_mounted "${mnt[$1]}" || { cat "$work/$1.log" >&2; die "cfsj fuse-serve ($1) did not mount"; } ;;
        squashfuse)
            squashfuse_ll "$work/image.sqfs" "$s" && mounts+=("$s") ;;
    esac
    ls "${mnt[$1]}" >/dev/null
}
umount_one() {
    case $1 in
        kernel) kernel_umount "$e" "$k" ;;
        cfsj | cfsj-pt | cfsj-L) cfsj umount "${mnt[$1]}"; stop_server "${pid[$1]}" "${mnt[$1]}" || true ;;
        squashfuse) umount "$s" ;;
    esac
}

# ---------------------------------------------------------------- measurements
declare -A T
walk() { find "$1" -ls; }
read_all() { (cd "$1" && tar cf - . | cat); }
seq_read() { dd if="$1/big/seq.bin" of=/dev/null bs=1M status=none; }
fio_iops() { # fio_iops MNT SECONDS: 4 threads of random 4 KiB reads in the big file, in the page cache; prints IOPS
    # Warm on purpose: without kernel fs-verity, cfsj checks an object's digest in user space when it
    # is first opened, reading all of it, so a "cold" run would be cold for the kernel mount only.
    cat "$1/big/seq.bin" >/dev/null
    fio --name=randread --filename="$1/big/seq.bin" --readonly --invalidate=0 --rw=randread --bs=4k --numjobs=4 --thread \
        --ioengine=psync --time_based --runtime="$2" --group_reporting --output-format=terse --terse-version=3 |
        awk -F';' '{print $8}'
}

# cfsj-L is a later mount of the same image with a digest ledger: an earlier, unmeasured mount
# read every file once and recorded each object's digest, so this one hashes nothing.
echo "fuse.sh: filling the digest ledger for cfsj-L (one unmeasured mount reading every file)" >&2
mount_one cfsj-L
read_all "$L" >/dev/null
umount_one cfsj-L
mv "$work/cfsj-L.log" "$work/cfsj-L-fill.log"

# Walks and whole-tree reads: one mount at a time, each fresh (the cold walk is right after mounting).
for l in "${labels[@]}"; do
    echo "fuse.sh: measuring $l (walks, whole-tree reads)" >&2
    m=${mnt[$l]}
    drop_caches
    mount_one "$l"
    T[$l,cold_walk]=$(timed walk "$m")
    T[$l,warm_walk]=$(best_of 3 walk "$m")
    drop_caches
    T[$l,read_all]=$(timed read_all "$m")
    T[$l,read_all_warm]=$(timed read_all "$m")
    umount_one "$l"
done

# The big file: all five mounted at once, measured in SEQ_ROUNDS rounds, the mounts in a rotated
# order in each round. A page-cache read of 1 GiB takes 50 ms here or 95 ms, depending on where in
# this VM's memory its pages landed (this VM returns freed memory to the host: virtio_balloon free
# page reporting) and on how busy the machine is that minute; measured one mount after the other,
# minutes apart, that drift decided the warm row. Interleaved, every mount sees the same machine.
echo "fuse.sh: measuring the ${BIG_MIB} MiB file: $SEQ_ROUNDS rounds, all mounts interleaved" >&2
# The pairs the goals compare (kernel and cfsj-pt, cfsj and squashfuse_ll) stay next to each other.
round=(kernel cfsj-pt cfsj squashfuse cfsj-L)
for l in "${round[@]}"; do drop_caches; mount_one "$l"; done
fio_round=$(( (FIO_SECONDS + SEQ_ROUNDS - 1) / SEQ_ROUNDS ))
declare -A cold warm iops
for ((r = 0; r < SEQ_ROUNDS; r++)); do
    for ((i = 0; i < ${#round[@]}; i++)); do
        l=${round[(i + r) % ${#round[@]}]}; m=${mnt[$l]}
        drop_caches   # before each cold read: the kernel mount and cfsj-pt read the same object files
        cold[$l]+="$(timed seq_read "$m") "
        # the first read after a cold one also moves the pages to the active LRU list: not counted
        seq_read "$m"
        warm[$l]+="$(timed seq_read "$m") "
        iops[$l]+="$(fio_iops "$m" "$fio_round") "
    done
done
for l in "${labels[@]}"; do
    T[$l,seq_cold]=$(echo "${cold[$l]}" | median)
    T[$l,seq_warm]=$(echo "${warm[$l]}" | median)
    T[$l,fio]=$(echo "${iops[$l]}" | median)
    echo "fuse.sh:   $l: cold ${cold[$l]}| warm ${warm[$l]}| IOPS ${iops[$l]}" >&2
done
for l in "${labels[@]}"; do umount_one "$l"; done

# ---------------------------------------------------------------- the table
rows=(cold_walk warm_walk read_all read_all_warm seq_cold seq_warm fio)
declare -A what=([cold_walk]="find -ls, cold, right after mount" [warm_walk]="find -ls, warm (best of 3)"
    [read_all]="read all files (tar), cold" [read_all_warm]="read all files (tar), warm"
    [seq_cold]="$BIG_MIB MiB sequential, cold (median of $SEQ_ROUNDS)" [seq_warm]="$BIG_MIB MiB sequential, warm (median of $SEQ_ROUNDS)"
    [fio]="random 4 KiB reads, 4 threads, warm (IOPS, median of $SEQ_ROUNDS)")
ratio() { # time ratio a/b (for IOPS: b/a, so that > 1 always means slower than the reference)
    if [ "$3" = fio ]; then set -- "$2" "$1"; fi
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}
echo
echo "cfsj FUSE benchmark: $FILES files + ${BIG_MIB} MiB file ($(du -sh --apparent-size "$work/src" | cut -f1)), $(nproc) CPUs, $(uname -r)"
echo "times in seconds (fio: IOPS); ratios are slowdowns (time / reference time; for fio, reference IOPS / IOPS): 1.00 = as fast"
printf '%-40s %9s %9s %9s %9s %9s | %7s %7s %7s %7s %7s %7s\n' "" kernel cfsj cfsj-pt cfsj-L squashfuse \
    "cfsj/k" "pt/k" "L/k" "cfsj/sq" "pt/sq" "L/sq"
for r in "${rows[@]}"; do
    f='%9.3f'; [ "$r" = fio ] && f='%9.0f'
    printf "%-40s $f $f $f $f $f | %7s %7s %7s %7s %7s %7s\n" "${what[$r]}" \
        "${T[kernel,$r]}" "${T[cfsj,$r]}" "${T[cfsj-pt,$r]}" "${T[cfsj-L,$r]}" "${T[squashfuse,$r]}" \
        "$(ratio "${T[cfsj,$r]}" "${T[kernel,$r]}" "$r")" "$(ratio "${T[cfsj-pt,$r]}" "${T[kernel,$r]}" "$r")" \
        "$(ratio "${T[cfsj-L,$r]}" "${T[kernel,$r]}" "$r")" \
        "$(ratio "${T[cfsj,$r]}" "${T[squashfuse,$r]}" "$r")" "$(ratio "${T[cfsj-pt,$r]}" "${T[squashfuse,$r]}" "$r")" \
        "$(ratio "${T[cfsj-L,$r]}" "${T[squashfuse,$r]}" "$r")"
done
echo
echo "goals: warm walk <= 1.5x kernel; passthrough sequential >= 0.95x kernel speed (pt/k <= 1.05); cfsj without passthrough no slower than squashfuse_ll on every row (cfsj/sq <= 1)"
echo "cfsj: first mount, hashes each object on first open; cfsj-pt: the same with passthrough; cfsj-L: a later mount, digests from the ledger"
for l in cfsj cfsj-pt cfsj-L; do   # one server for the walks and tree reads, one for the big file
    grep -h 'stats:' "$work/$l.log" | sed "1s/^/$l server, walks and tree reads: /; 2s/^/$l server, big file: /"
done
