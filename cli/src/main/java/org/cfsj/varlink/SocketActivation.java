package org.cfsj.varlink;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The sockets systemd passed to this process ({@code sd_listen_fds(3)}): {@code LISTEN_FDS} fds
 * starting at 3, meant for this process only when {@code LISTEN_PID} is its pid, optionally named
 * by the colon-separated {@code LISTEN_FDNAMES}.
 *
 * <p>Java cannot unset environment variables, so a service that starts other programs must drop
 * the {@code LISTEN_*} variables from their environment itself (the check of {@code LISTEN_PID}
 * protects children that look, but not their own children).
 *
 * @param fds the inherited fds, in order
 * @param names their names, one per fd ({@code "unknown"} when systemd gave none)
 */
public record SocketActivation(List<Integer> fds, List<String> names) {
    /** {@code SD_LISTEN_FDS_START}. */
    public static final int FIRST_FD = 3;
    /** More inherited sockets than this is an error rather than a reason to walk far into the fd table. */
    static final int MAX_FDS = 64;

    public SocketActivation {
        fds = List.copyOf(fds);
        names = List.copyOf(names);
    }

    /** This process's activation: {@link #parse} of its environment and pid. */
    public static Optional<SocketActivation> fromEnvironment() {
        return parse(System.getenv(), ProcessHandle.current().pid());
    }

    /**
     * The activation {@code env} describes for the process {@code pid}: empty when there is none
     * or it is meant for another process; an {@link IllegalArgumentException} when the variables
     * are malformed (a service manager bug is better reported than ignored).
     */
    public static Optional<SocketActivation> parse(Map<String, String> env, long pid) {
        String listenPid = env.get("LISTEN_PID");
        String listenFds = env.get("LISTEN_FDS");
        if (listenPid == null || listenFds == null) {
            return Optional.empty();
        }
        long forPid = number(listenPid, "LISTEN_PID");
        if (forPid != pid) {
            return Optional.empty();
        }
        long count = number(listenFds, "LISTEN_FDS");
        if (count < 1 || count > MAX_FDS) {
            throw new IllegalArgumentException("LISTEN_FDS=" + listenFds + ": expected 1 to " + MAX_FDS);
        }
        List<Integer> fds = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            fds.add(FIRST_FD + i);
        }
        String namesVar = env.get("LISTEN_FDNAMES");
        List<String> names;
        if (namesVar == null) {
            names = fds.stream().map(f -> "unknown").toList();
        } else {
            names = Arrays.asList(namesVar.split(":", -1));
            if (names.size() != count) {
                throw new IllegalArgumentException("LISTEN_FDNAMES names " + names.size() + " fds, LISTEN_FDS says " + count);
            }
        }
        return Optional.of(new SocketActivation(fds, names));
    }

    private static long number(String value, String name) {
        if (!value.matches("[0-9]{1,10}")) {
            throw new IllegalArgumentException(name + "=" + value + " is not a number");
        }
        return Long.parseLong(value);
    }
}
