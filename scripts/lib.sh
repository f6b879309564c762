# shellcheck shell=bash
# What cfsj's shell scripts share (./cfsj, ./run-tests, ./demo, bench/*.sh, .ci/run): finding a
# JDK, failing with a message, a median. Sourced, not run:
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

# find_java: prints the path of a java binary of a JDK >= 25, looking at $JAVA_HOME, then java
# on PATH, then /usr/lib/jvm/*; fails (status 1, prints nothing) if there is none.
find_java() {
    local c
    for c in ${JAVA_HOME:+"$JAVA_HOME/bin/java"} "$(command -v java 2>/dev/null || true)" /usr/lib/jvm/*/bin/java; do
        [ -n "$c" ] && [ -x "$c" ] || continue
        if [ "$(java_major "$c")" -ge 25 ]; then echo "$c"; return 0; fi
    done
    return 1
}

# java_home JAVA: the JDK directory of the java binary JAVA (for JAVA_HOME, e.g. for Maven).
java_home() {
    dirname "$(dirname "$(readlink -f "$1")")"
}

# require_java: sets java to a JDK >= 25's java binary and exports JAVA_HOME as its JDK, or dies
# with status 127 saying where it looked.
require_java() {
    java=$(find_java) || die --status 127 "no JDK 25 or newer found (looked at \$JAVA_HOME, java on PATH, /usr/lib/jvm/*); install one, e.g. Temurin 25, and set JAVA_HOME to it"
    JAVA_HOME=$(java_home "$java")
    export JAVA_HOME
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
