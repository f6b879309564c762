#!/usr/bin/env bash
# bench/tree.sh — issue 14's table: walks, xattrs and whole-tree reads of one real tree through the
# kernel composefs mount, cfsj fuse-serve (plain and --passthrough), C composefs-fuse and
# squashfuse_ll, one mount at a time, in one run, with ratios to the kernel; then mount start-up,
# server RSS and mkcomposefs --from-file against C. Needs root. See bench/README.md.
#
#   bench/tree.sh                                  # a copy of /usr, made under WORK
#   TREE=/usr/share/doc bench/tree.sh              # any tree
#   IMAGE=/var/tmp/bench-usr/image.cfs OBJECTS=/var/tmp/bench-usr/objects TREE=/var/tmp/bench-usr/tree bench/tree.sh
#   ROWS=warm MOUNTS=kernel,cfsj RUNS=5 CFSJ_SERVE_OPTS="--threads 4" bench/tree.sh
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)

TREE=${TREE:-}                  # the tree (default: a copy of /usr under WORK, removed on exit)
IMAGE=${IMAGE:-}                # a prebuilt composefs image of it, with
OBJECTS=${OBJECTS:-}            #   its object directory (both, or neither)
SQUASHFS=${SQUASHFS:-}          # a prebuilt squashfs of TREE (default: mksquashfs of TREE under WORK)
DUMPFILE=${DUMPFILE:-}          # the dumpfile for the mkcomposefs row (default: cfsj composefs-info dump IMAGE)
WORK=${WORK:-/var/tmp}          # where the copies, images and mount points go (a real disk: cold reads hit it)
RUNS=${RUNS:-3}                 # runs of each warm figure, start-up and mkcomposefs
WARM=${WARM:-median}            # median or best of the RUNS runs
ROWS=${ROWS:-all}               # walk,walk-warm,getfattr,tar,tar-warm,cat,rss,start,mkfs; all; warm (all but walk and tar)
MOUNTS=${MOUNTS:-kernel,cfsj,cfsj-pt,c,squashfuse}   # the columns
CFSJ_SERVE_OPTS=${CFSJ_SERVE_OPTS:-}   # more options for both cfsj fuse-serve columns (word-split)
CFS_FUSE=${CFS_FUSE:-}          # C composefs-fuse (the C column, its start-up and RSS)
MKCOMPOSEFS=${MKCOMPOSEFS:-}    # C mkcomposefs (the mkfs row; default: mkcomposefs on PATH)

# shellcheck source=../scripts/lib.sh
. "$here/scripts/lib.sh"
[ "$(id -u)" = 0 ] || die "run as root: the benchmark mounts filesystems and drops the page cache"
[ -e /dev/fuse ] || die "/dev/fuse is missing"
[[ $RUNS =~ ^[1-9][0-9]?$ ]] || die "RUNS must be 1..99"
[ "$WARM" = median ] || [ "$WARM" = best ] || die "WARM must be median or best"
if [ -n "$IMAGE$OBJECTS" ]; then
    [ -f "$IMAGE" ] && [ -d "$OBJECTS" ] || die "IMAGE must be an image file and OBJECTS its object directory (both)"
    IMAGE=$(readlink -f "$IMAGE"); OBJECTS=$(readlink -f "$OBJECTS")
fi
[ -z "$TREE" ] || [ -d "$TREE" ] || die "TREE=$TREE is not a directory"
[ -z "$TREE" ] || TREE=$(readlink -f "$TREE")

all_rows=(walk walk-warm getfattr tar tar-warm cat rss start mkfs)
case $ROWS in
    all) ROWS=$(IFS=,; echo "${all_rows[*]}") ;;
    warm) ROWS=walk-warm,getfattr,tar-warm,cat,rss,start,mkfs ;;
esac
declare -A want
for r in ${ROWS//,/ }; do
    [[ " ${all_rows[*]} " == *" $r "* ]] || die "unknown row '$r' in ROWS (known: ${all_rows[*]}, all, warm)"
    want[$r]=1
done
labels=(kernel cfsj cfsj-pt c squashfuse)
declare -A title=([kernel]="kernel composefs (erofs+overlay)" [cfsj]="cfsj fuse-serve" [cfsj-pt]="cfsj --passthrough"
    [c]="C composefs-fuse" [squashfuse]="squashfuse_ll")
declare -A column
for l in ${MOUNTS//,/ }; do
    [ -n "${title[$l]:-}" ] || die "unknown mount '$l' in MOUNTS (known: ${labels[*]})"
    column[$l]=1
done
read -r -a serve_opts <<<"$CFSJ_SERVE_OPTS"

declare -A skipped   # label or row -> why it is not measured (printed with the table)
skip() { skipped[$1]=$2; echo "tree.sh: SKIPPED $1: $2" >&2; }
for l in "${labels[@]}"; do [ -n "${column[$l]:-}" ] || skip "$l" "not in MOUNTS=$MOUNTS"; done

# The tools the columns need: a column whose tool is missing is skipped, loudly.
if [ -n "${column[squashfuse]:-}" ]; then
    if ! command -v squashfuse_ll >/dev/null; then skip squashfuse "squashfuse_ll not on PATH (Debian: apt-get install squashfuse)"
    elif [ -z "$SQUASHFS" ] && ! command -v mksquashfs >/dev/null; then skip squashfuse "mksquashfs not on PATH (Debian: apt-get install squashfs-tools)"
    elif [ -z "$SQUASHFS" ] && [ -n "$IMAGE" ] && [ -z "$TREE" ]; then skip squashfuse "IMAGE given without TREE (or SQUASHFS) to build the squashfs from"
    fi
fi
if [ -n "${column[c]:-}" ] && ! [ -x "$CFS_FUSE" ]; then
    skip c "no C composefs-fuse (set CFS_FUSE=/path/to/composefs-fuse)"
fi
MKCOMPOSEFS=${MKCOMPOSEFS:-$(command -v mkcomposefs || true)}

require_java
"$here/cfsj" --version >/dev/null || die "cannot build or run $here/cfsj"
jar="$here/cli/target/cfsj.jar"
cfsj=("$here/cfsj")   # the launcher, as a user runs it (JVM options, AOT cache when trained)
# shellcheck source=lib-mount.sh
. "$here/bench/lib-mount.sh"

work=$(mktemp -d "$(readlink -f "$WORK")/cfsj-tree-bench.XXXXXX")
cleanup() {
    set +e
    unmount_all
    local left; left=$(mounts_under "$work")
    if [ -n "$left" ]; then
        echo "tree.sh: STILL MOUNTED under $work, left in place: $(echo "$left" | tr '\n' ' ')" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- the tree, its images
if [ -z "$TREE" ] && [ -z "$IMAGE" ]; then
    echo "tree.sh: copying /usr to $work/tree (cp -a)" >&2
    cp -a /usr "$work/tree"
    TREE=$work/tree
fi
if [ -z "$IMAGE" ]; then
    echo "tree.sh: cfsj mkcomposefs $TREE --digest-store" >&2
    "${cfsj[@]}" mkcomposefs "$TREE" "$work/image.cfs" --digest-store "$work/objects"
    IMAGE=$work/image.cfs; OBJECTS=$work/objects
fi
if [ -z "${skipped[squashfuse]:-}" ] && [ -z "$SQUASHFS" ]; then
    echo "tree.sh: mksquashfs $TREE (uncompressed)" >&2
    mksquashfs "$TREE" "$work/image.sqfs" -noI -noId -noD -noF -noX -no-progress -quiet -processors "$(nproc)" >/dev/null
    SQUASHFS=$work/image.sqfs
fi
if [ -z "$DUMPFILE" ] || ! [ -s "$DUMPFILE" ]; then
    [ -z "$DUMPFILE" ] || echo "tree.sh: DUMPFILE=$DUMPFILE is empty or missing: dumping the image instead" >&2
    "${cfsj[@]}" composefs-info dump "$IMAGE" >"$work/image.dump"
    DUMPFILE=$work/image.dump
fi
# entries and bytes of regular files (hard links counted once) from the dumpfile
read -r entries bytes < <(awk '{ n++ } $3 ~ /^10/ { b += $2 } END { printf "%d %.0f\n", n, b }' "$DUMPFILE")

# What was just written (a tree copy, objects, a squashfs: gigabytes) goes to the disk now, not
# during the first column's measurements.
sync

declare -A mnt
for l in "${labels[@]}"; do mnt[$l]=$work/mnt-$l; mkdir -p "${mnt[$l]}"; done
erofs=$work/mnt-erofs; mkdir -p "$erofs"

# ---------------------------------------------------------------- mounting, one at a time
declare -A spid   # label -> PID of its server (FUSE columns)
# mount_col LABEL: mounts LABEL's column and waits until it answers; status 1 (and the reason on
# stderr and in $work/LABEL.log) if it cannot.
mount_col() {
    local l=$1 m=${mnt[$1]} p
    case $l in
        kernel) kernel_mount "$IMAGE" "$OBJECTS" "$erofs" "$m" 2>>"$work/$l.log" || return 1 ;;
        cfsj | cfsj-pt)
            local opt=(--stats "${serve_opts[@]}"); [ "$l" = cfsj-pt ] && opt+=(--passthrough)
            # the launcher execs the JVM: $! is the server
            "${cfsj[@]}" fuse-serve "$IMAGE" "$m" --basedir "$OBJECTS" "${opt[@]}" 2>>"$work/$l.log" &
            p=$! ;;
        c) "$CFS_FUSE" -f -o "source=$IMAGE,basedir=$OBJECTS" "$m" 2>>"$work/$l.log" & p=$! ;;
        squashfuse) squashfuse_ll -f "$SQUASHFS" "$m" 2>>"$work/$l.log" & p=$! ;;
    esac
    if [ "$l" != kernel ]; then
        spid[$l]=$p; track_server "$p" "$m"; mounts+=("$m")
        if ! wait_mounted "$m" 60; then
            echo "tree.sh: $l did not mount" >>"$work/$l.log"
            unmount_all
            return 1
        fi
    fi
    if ! ls "$m" >/dev/null 2>>"$work/$l.log"; then
        echo "tree.sh: $l mounted but its root cannot be listed" >>"$work/$l.log"
        unmount_all
        return 1
    fi
}
# umount_col LABEL: unmounts it, waits for its server to exit, checks that nothing is left mounted.
umount_col() {
    local l=$1 m=${mnt[$1]}
    if [ "$l" = kernel ]; then kernel_umount "$erofs" "$m"; else umount "$m"; stop_server "${spid[$l]}" "$m" || true; fi
    local left; left=$(mounts_under "$work")
    [ -z "$left" ] || die "still mounted after unmounting $l: $left"
}

# ---------------------------------------------------------------- the work, timed
# Each runs in the mount point, as the issue writes it; stderr goes to $work/errors (counted below).
walk() { (cd "$1" && find . -ls) 2>>"$work/errors"; }
xattrs() { (cd "$1" && getfattr -R -h -d -m - .) 2>>"$work/errors"; }
tar_all() { (cd "$1" && tar cf - . | cat) 2>>"$work/errors"; }
cat_all() { (cd "$1" && find . -type f -print0 | xargs -0 -P4 cat) 2>>"$work/errors"; }
# measure LABEL ROW CMD...: one timed run; a failed run or any message on stderr is recorded
measure() {
    local l=$1 row=$2 before after t
    shift 2
    before=$(stat -c %s "$work/errors" 2>/dev/null || echo 0)
    t=$(timed "$@" 2>>"$work/failures.$l.$row")
    after=$(stat -c %s "$work/errors" 2>/dev/null || echo 0)
    [ "$before" = "$after" ] || echo "$((after - before)) bytes of error messages" >>"$work/failures.$l.$row"
    echo "$t"
}
# warm LABEL ROW CMD...: RUNS timed runs, their median or best
warm() {
    local all='' r
    for ((r = 0; r < RUNS; r++)); do all+="$(measure "$@") "; done
    if [ "$WARM" = best ]; then echo "$all" | tr ' ' '\n' | grep . | sort -g | head -1; else echo "$all" | median; fi
}
# status_kib PID FIELD: FIELD (VmRSS, VmHWM) of /proc/PID/status in KiB
status_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

declare -A T        # label,row -> seconds (or "RSS/HWM" in KiB for rss)
session() { # session LABEL: one mount, the selected rows in order
    local l=$1 m=${mnt[$1]} walked='' xattred='' read=''
    [ -n "${want[walk]:-}" ] && drop_caches
    if ! mount_col "$l"; then skip "$l" "could not mount: $(tail -1 "$work/$l.log" 2>/dev/null)"; return 0; fi
    echo "tree.sh: $l mounted" >&2
    if [ -n "${want[walk]:-}" ]; then T[$l,walk]=$(measure "$l" walk walk "$m"); walked=1; fi
    if [ -n "${want[walk-warm]:-}" ]; then
        [ -n "$walked" ] || walk "$m" >/dev/null || true
        T[$l,walk-warm]=$(warm "$l" walk-warm walk "$m"); walked=1
    fi
    if [ -n "${want[getfattr]:-}" ]; then
        [ -n "$walked" ] || { walk "$m" >/dev/null || true; walked=1; }
        T[$l,getfattr]=$(warm "$l" getfattr xattrs "$m"); xattred=1
    fi
    if [ -n "${want[rss]:-}" ] && [ "$l" != kernel ]; then
        [ -n "$walked" ] || walk "$m" >/dev/null || true
        [ -n "$xattred" ] || xattrs "$m" >/dev/null || true
        T[$l,rss]="$(status_kib "${spid[$l]}" VmRSS) $(status_kib "${spid[$l]}" VmHWM)"
    fi
    if [ -n "${want[tar]:-}" ]; then drop_caches; T[$l,tar]=$(measure "$l" tar tar_all "$m"); read=1; fi
    if [ -n "${want[tar-warm]:-}" ]; then
        [ -n "$read" ] || tar_all "$m" >/dev/null || true
        T[$l,tar-warm]=$(warm "$l" tar-warm tar_all "$m"); read=1
    fi
    if [ -n "${want[cat]:-}" ]; then
        [ -n "$read" ] || cat_all "$m" >/dev/null || true
        T[$l,cat]=$(warm "$l" cat cat_all "$m")
    fi
    umount_col "$l"
}

table_rows=(walk walk-warm getfattr tar tar-warm cat)
declare -A what=([walk]="\`find -ls\` right after mount" [walk-warm]="\`find -ls\` warm"
    [getfattr]="\`getfattr -R -h -d -m -\`" [tar]="\`tar cf - . \\| cat\`, cold" [tar-warm]="\`tar\`, warm"
    [cat]="\`find -type f -print0 \\| xargs -0 -P4 cat\`, warm")
# (a | in a Markdown table cell is escaped, in code spans too)
any_table='' any_timed=''
for r in "${table_rows[@]}"; do [ -n "${want[$r]:-}" ] && any_timed=1; done
[ -n "$any_timed" ] || [ -n "${want[rss]:-}" ] && any_table=1
if [ -n "$any_table" ]; then
    for l in "${labels[@]}"; do
        [ -z "${skipped[$l]:-}" ] || continue
        [ "$l" = kernel ] && [ -z "$any_timed" ] && continue   # the kernel has no rss
        session "$l"
    done
fi

# ---------------------------------------------------------------- start-up: until the mount answers
# Detached servers, as a user starts them; each run mounts, stats the root, unmounts and waits for
# the server to exit. The runs of all commands are interleaved.
declare -A S   # what -> "seconds seconds ..."
start_bg() { # start_bg LABEL: mounts in the background and stats the root (timed by the caller)
    local m=${mnt[$1]}
    case $1 in
        cfsj) "${cfsj[@]}" fuse-serve "$IMAGE" "$m" --basedir "$OBJECTS" --background "${serve_opts[@]}" ;;
        cfsj-pt) "${cfsj[@]}" fuse-serve "$IMAGE" "$m" --basedir "$OBJECTS" --background --passthrough "${serve_opts[@]}" ;;
        c) "$CFS_FUSE" -o "source=$IMAGE,basedir=$OBJECTS" "$m" ;;
        squashfuse) squashfuse_ll "$SQUASHFS" "$m" ;;
    esac && stat "$m/." >/dev/null
}
start_labels=()
if [ -n "${want[start]:-}" ]; then
    for l in cfsj cfsj-pt c squashfuse; do [ -z "${skipped[$l]:-}" ] && start_labels+=("$l"); done
    echo "tree.sh: start-up, $RUNS runs of: cfsj --version ${start_labels[*]}" >&2
    for ((r = 0; r < RUNS; r++)); do
        S[version]+="$(timed "${cfsj[@]}" --version) "
        for l in "${start_labels[@]}"; do
            mounts+=("${mnt[$l]}")   # here: start_bg runs in timed's subshell
            t=$(timed start_bg "$l" 2>>"$work/start.$l.log")
            mountpoint -q "${mnt[$l]}" || die "start-up of $l: not mounted ($(tail -1 "$work/start.$l.log"))"
            S[$l]+="$t "
            p=$(server_of "${mnt[$l]}")
            [ -z "$p" ] || track_server "$p" "${mnt[$l]}"
            umount "${mnt[$l]}"
            [ -z "$p" ] || stop_server "$p" "${mnt[$l]}" || true
            [ -z "$(mounts_under "$work")" ] || die "still mounted after the start-up of $l: $(mounts_under "$work")"
        done
    done
fi

# ---------------------------------------------------------------- mkcomposefs --from-file
declare -A M   # tool -> "wall user sys maxrss_kib" per run, one a line
identical=
if [ -n "${want[mkfs]:-}" ]; then
    if ! [ -x /usr/bin/time ] || ! /usr/bin/time -f %e true >/dev/null 2>&1; then
        skip mkfs "GNU time (/usr/bin/time) missing (Debian: apt-get install time)"
    else
        tools=(cfsj)
        if [ -n "$MKCOMPOSEFS" ] && [ -x "$MKCOMPOSEFS" ]; then tools+=(c)
        else skip mkfs-c "no C mkcomposefs (set MKCOMPOSEFS=/path/to/mkcomposefs)"; fi
        echo "tree.sh: mkcomposefs --from-file, $RUNS runs of: ${tools[*]}" >&2
        for ((r = 0; r < RUNS; r++)); do
            for tool in "${tools[@]}"; do
                if [ "$tool" = cfsj ]; then cmd=("${cfsj[@]}" mkcomposefs); else cmd=("$MKCOMPOSEFS"); fi
                /usr/bin/time -f '%e %U %S %M' -o "$work/time" "${cmd[@]}" --from-file "$DUMPFILE" "$work/mkfs.$tool.cfs" >/dev/null ||
                    die "$tool mkcomposefs --from-file $DUMPFILE failed"
                M[$tool]+="$(tail -1 "$work/time")"$'\n'
            done
        done
        if [ -n "${M[c]:-}" ]; then
            if cmp -s "$work/mkfs.cfsj.cfs" "$work/mkfs.c.cfs"; then identical="byte-identical"; else identical="DIFFERENT"; fi
        fi
    fi
fi

# ---------------------------------------------------------------- the report
fmt() { awk -v t="$1" 'BEGIN { printf (t < 1 ? "%.3f" : t < 10 ? "%.2f" : t < 100 ? "%.1f" : "%.0f"), t }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf " (%.2fx)", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
commit=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git -C "$here" status --porcelain --untracked-files=no 2>/dev/null)" ] || commit+=" (with uncommitted changes)"
aot="no AOT cache"; [ -f "$here/cli/target/cfsj.aot" ] && [ ! "$jar" -nt "$here/cli/target/cfsj.aot" ] && aot="AOT cache in use"

echo
echo "## bench/tree.sh, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "- tree: ${TREE:-(none)}; image $IMAGE ($(du -h --apparent-size "$IMAGE" | cut -f1)), objects $OBJECTS; $entries entries, $(awk -v b="$bytes" 'BEGIN { printf "%.2f GB", b / 1e9 }') in regular files"
echo "- commit $commit; kernel $(uname -r); $(nproc) CPUs; $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); java $("$java" -version 2>&1 | head -1 | cut -d'"' -f2), $aot"
echo "- RUNS=$RUNS ($WARM of them for warm rows), ROWS=$ROWS, MOUNTS=$MOUNTS, CFSJ_SERVE_OPTS=\"$CFSJ_SERVE_OPTS\""
echo "- cold rows: \`sync; echo 3 > /proc/sys/vm/drop_caches\` first (for the walk: before mounting); one mount at a time"
echo "- load average before: $load_before"
if [ -n "$any_table" ]; then
    echo
    hdr="| work |"; sep="|---|"
    for l in "${labels[@]}"; do hdr+=" ${title[$l]} |"; sep+="---:|"; done
    echo "$hdr"; echo "$sep"
    for r in "${table_rows[@]}"; do
        [ -n "${want[$r]:-}" ] || continue
        line="| ${what[$r]} |"
        for l in "${labels[@]}"; do
            v=${T[$l,$r]:-}
            if [ -z "$v" ]; then line+=" — |"; continue; fi
            cell=$(fmt "$v")
            [ "$l" = kernel ] || [ -z "${T[kernel,$r]:-}" ] || cell+=$(ratio "$v" "${T[kernel,$r]}")
            [ -s "$work/failures.$l.$r" ] && cell+=" (!)"
            line+=" $cell |"
        done
        echo "$line"
    done
    if [ -n "${want[rss]:-}" ]; then
        line="| server VmRSS / VmHWM after walk + getfattr, MiB |"
        for l in "${labels[@]}"; do
            v=${T[$l,rss]:-}
            if [ -z "$v" ]; then line+=" — |"; else line+=" $(mib "${v% *}") / $(mib "${v#* }") |"; fi
        done
        echo "$line"
    fi
    echo
    echo "Seconds; (Nx) = time / the kernel mount's time in this run. cfsj verifies each object's fs-verity digest (in user space without kernel fs-verity); C composefs-fuse and squashfuse_ll verify nothing."
    for f in "$work"/failures.*; do
        [ -s "$f" ] || continue
        n=${f#"$work"/failures.}
        echo "(!) $n: $(sort -u "$f" | head -3 | tr '\n' ';' | sed 's/;$//')"
    done
    if [ -s "$work/errors" ]; then echo "first error messages of the timed commands:"; sort "$work/errors" | uniq -c | sort -rn | head -5 | sed 's/^/    /'; fi
fi
if [ -n "${S[version]:-}" ]; then
    echo
    echo "| start-up, until the mount answers (\`stat\` of its root); $WARM of $RUNS | seconds |"
    echo "|---|---:|"
    v=$(echo "${S[version]}" | median); [ "$WARM" = best ] && v=$(echo "${S[version]}" | tr ' ' '\n' | grep . | sort -g | head -1)
    echo "| \`cfsj --version\` | $(fmt "$v") |"
    for l in "${start_labels[@]}"; do
        s=$(echo "${S[$l]}" | median); [ "$WARM" = best ] && s=$(echo "${S[$l]}" | tr ' ' '\n' | grep . | sort -g | head -1)
        case $l in
            cfsj) w="\`cfsj fuse-serve --background${CFSJ_SERVE_OPTS:+ $CFSJ_SERVE_OPTS}\`" ;;
            cfsj-pt) w="\`cfsj fuse-serve --background --passthrough${CFSJ_SERVE_OPTS:+ $CFSJ_SERVE_OPTS}\`" ;;
            c) w="C \`composefs-fuse\` (daemonizes once mounted)" ;;
            squashfuse) w="\`squashfuse_ll\` (daemonizes once mounted)" ;;
        esac
        extra=; case $l in cfsj*) extra=$(awk -v a="$s" -v b="$v" 'BEGIN { printf " (+%.2f s over --version)", a - b }') ;; esac
        echo "| $w | $(fmt "$s")$extra |"
    done
    echo
    echo "samples: cfsj --version ${S[version]% }; $(for l in "${start_labels[@]}"; do printf '%s %s; ' "$l" "${S[$l]% }"; done | sed 's/; $//')"
fi
if [ -n "${M[cfsj]:-}" ]; then
    echo
    echo "| \`mkcomposefs --from-file\` ($entries-line dumpfile), median of $RUNS | wall s | CPU s | peak RSS MiB |"
    echo "|---|---:|---:|---:|"
    declare -A MW MC MR
    for tool in cfsj c; do
        [ -n "${M[$tool]:-}" ] || continue
        MW[$tool]=$(echo "${M[$tool]}" | awk '{ print $1 }' | median)
        MC[$tool]=$(echo "${M[$tool]}" | awk '{ print $2 + $3 }' | median)
        MR[$tool]=$(echo "${M[$tool]}" | awk '{ print $4 }' | median)
    done
    for tool in cfsj c; do
        [ -n "${MW[$tool]:-}" ] || continue
        rw=; rc=; rr=
        if [ "$tool" = cfsj ] && [ -n "${MW[c]:-}" ]; then
            rw=$(ratio "${MW[cfsj]}" "${MW[c]}"); rc=$(ratio "${MC[cfsj]}" "${MC[c]}"); rr=$(ratio "${MR[cfsj]}" "${MR[c]}")
        fi
        name="\`cfsj mkcomposefs\`"; [ "$tool" = c ] && name="C \`mkcomposefs\`"
        echo "| $name | $(fmt "${MW[$tool]}")$rw | $(fmt "${MC[$tool]}")$rc | $(mib "${MR[$tool]}")$rr |"
    done
    echo
    echo "(Nx) = cfsj / C. Images: ${identical:-not compared (no C mkcomposefs)}."
fi
echo
echo "- load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
for k in "${!skipped[@]}"; do echo "- SKIPPED $k: ${skipped[$k]}"; done | sort
for l in cfsj cfsj-pt; do
    [ -s "$work/$l.log" ] || continue
    grep -h 'stats:' "$work/$l.log" | sed "s/^/- $l server: /" || true
    grep -hv 'stats:' "$work/$l.log" | head -3 | sed "s/^/- $l server said: /" || true
done
