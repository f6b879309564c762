# shellcheck shell=bash
# What cfsj's shell scripts share (./cfsj, ./run-tests, ./demo, bench/*.sh, .ci/run): finding a
# JDK, failing with a message, a median, the skipped tests of a Maven run. Sourced, not run:
#
#   . "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/scripts/lib.sh"
#
# It defines functions only and changes no shell option or variable of the script sourcing it.
# Messages start with the script's name ("fuse.sh: ...").

# die [--status N] MESSAGE...: prints MESSAGE on stderr and exits with N (default 1).
die() {
    local status=1
    if [ "${1:-}" = --status ]; then status=$2; shift 2; fi
    echo "${0##*/}: $*" >&2
    exit "$status"
}

# java_major JAVA: prints the feature version of the java binary JAVA (25 for 25.0.1), or 0.
# From the JDK's release file when there is one: starting a JVM to ask costs ~0.1 s per call.
java_major() {
    local home v
    home=$(dirname "$(dirname "$(readlink -f "$1")")")
    if [ -f "$home/release" ]; then
        v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release" | head -1)
    else
        v=$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -1)
    fi
    echo "${v:-0}"
}

# jvm_dirs: where find_java looks after $JAVA_HOME and PATH: $CFSJ_JVM_DIRS (colon-separated; for
# tests) or the directories distributions and JDK archives use.
jvm_dirs() {
    echo "${CFSJ_JVM_DIRS:-/usr/lib/jvm:/opt}"
}

# java_candidates: every java binary find_java considers, in order, one per line.
java_candidates() {
    local d
    [ -n "${JAVA_HOME:-}" ] && echo "$JAVA_HOME/bin/java"
    command -v java 2>/dev/null || true
    local IFS=:
    for d in $(jvm_dirs); do
        for c in "$d"/*/bin/java; do [ -x "$c" ] && echo "$c"; done
    done
}

# find_java: prints the path of a java binary of a JDK >= 25, looking at $JAVA_HOME, then java
# on PATH, then each directory of jvm_dirs; fails (status 1, prints nothing) if there is none.
find_java() {
    local c
    while IFS= read -r c; do
        [ -n "$c" ] && [ -x "$c" ] || continue
        if [ "$(java_major "$c")" -ge 25 ]; then echo "$c"; return 0; fi
    done < <(java_candidates)
    return 1
}

# jdk_advice: what was found (too old) and how to get a JDK 25 on the common distributions.
jdk_advice() {
    local c found=""
    while IFS= read -r c; do
        [ -x "$c" ] && found+=" $c (Java $(java_major "$c"))"
    done < <(java_candidates | sort -u)
    echo "no JDK 25 or newer found (looked at \$JAVA_HOME, java on PATH, $(jvm_dirs | sed 's/:/\/*, /g')/*)${found:+; found only:$found}."
    echo "  Debian 13, Ubuntu 24.04+: apt-get install openjdk-25-jdk-headless"
    echo "  Debian 12 (no openjdk-25 package): Temurin's apt repository (https://adoptium.net/installation/linux/), apt-get install temurin-25-jdk"
    echo "  anywhere: unpack a JDK 25 archive (e.g. from https://adoptium.net) into /opt, or set JAVA_HOME to it"
}

# java_home JAVA: the JDK directory of the java binary JAVA (for JAVA_HOME, e.g. for Maven).
java_home() {
    dirname "$(dirname "$(readlink -f "$1")")"
}

# require_java: sets java to a JDK >= 25's java binary and exports JAVA_HOME as its JDK, or dies
# with status 127 saying where it looked, what it found and how to get one.
require_java() {
    java=$(find_java) || die --status 127 "$(jdk_advice)"
    JAVA_HOME=$(java_home "$java")
    export JAVA_HOME
}

# surefire_skips ROOT STAMP: every test that skipped, "  Class.method: reason", sorted, from the
# surefire reports under ROOT newer than the file STAMP (the console shows only counts). The
# reason is the skip message or the failed assumption's; XML escapes are undone.
surefire_skips() {
    find "$1" -path '*/target/surefire-reports/TEST-*.xml' -newer "$2" -print0 2>/dev/null |
        xargs -0 -r awk '
            /<testcase / { match($0, / name="[^"]*"/); name = substr($0, RSTART + 7, RLENGTH - 8)
                           match($0, /classname="[^"]*"/); cls = substr($0, RSTART + 11, RLENGTH - 12)
                           sub(/.*\./, "", cls) }
            /<skipped/    { msg = ""
                           if (match($0, /message="[^"]*"/)) msg = substr($0, RSTART + 9, RLENGTH - 10)
                           else if (match($0, /Assumption failed: .*/)) msg = substr($0, RSTART + 19)
                           else if (match($0, /CDATA\[.*/)) msg = substr($0, RSTART + 6)
                           sub(/]]>.*/, "", msg)
                           print "  " cls "." name ": " (msg == "" ? "(no reason given)" : msg) }' |
        sed "s/&apos;/'/g; s/&quot;/\"/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g" | sort
}

# median: reads numbers (whitespace- or newline-separated) on stdin and prints their median: the
# middle value, or for an even count the mean of the two middle values (the usual definition).
# Printed with up to 15 significant digits (integers as integers); fails on empty input.
median() {
    tr -s ' \t' '\n\n' | grep . | sort -g | awk '
        { v[NR] = $1 }
        END {
            if (NR == 0) exit 1
            m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%.15g\n", m
        }'
}
