package org.cfsj.composefs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many idle objects ({@link OpenObjects}) all sessions of one process keep together, on top
 * of each session's own bound: a process serving several images ({@code cfsj serve}) must not
 * multiply what one may pin.
 *
 * <ul>
 *   <li>Idle object fds: a quarter of the process's open-file limit (soft RLIMIT_NOFILE, which
 *       the JVM raises to the hard limit at start), so that kept fds never take the descriptors
 *       that requests, images and connections need; at least 16.
 *   <li>Idle passthrough backing ids: {@value #MAX_IDLE_BACKING}, what one session may keep (a
 *       tree of that many files read again without a miss); they hold no fd of ours, only the
 *       kernel's reference to each object file, so this bounds the pinned kernel memory per
 *       process rather than per image.
 * </ul>
 *
 * <p>The budget is counted, not reserved: a session that finds the process over budget when one
 * of its handles goes idle closes its own least recently idle ones until the process is within it
 * again (or it has none left), so the total exceeds the bound by at most the releases running at
 * that moment. Thread-safe.
 */
final class KeptObjectBudget {
    static final int MAX_IDLE_BACKING = 1 << 16;
    private static final int MIN_IDLE_FDS = 16;
    /** Used when /proc/self/limits cannot be read: the usual default soft limit. */
    private static final long DEFAULT_NOFILE = 1024;

    /** Shared by every session of this process. */
    static final KeptObjectBudget PROCESS = new KeptObjectBudget(
            (int) Math.max(MIN_IDLE_FDS, Math.min(Integer.MAX_VALUE, openFileLimit() / 4)), MAX_IDLE_BACKING);

    final Kind fds;
    final Kind backing;

    /** One kind of kept object: how many are idle in the process, and how many may be. */
    static final class Kind {
        private final AtomicInteger idle = new AtomicInteger();
        final int max;

        Kind(int max) {
            this.max = max;
        }

        void add() {
            idle.incrementAndGet();
        }

        void remove() {
            idle.decrementAndGet();
        }

        boolean over() {
            return idle.get() > max;
        }

        int idle() {
            return idle.get();
        }
    }

    KeptObjectBudget(int maxIdleFds, int maxIdleBacking) {
        this.fds = new Kind(maxIdleFds);
        this.backing = new Kind(maxIdleBacking);
    }

    /** The soft "Max open files" of /proc/self/limits ("unlimited" counts as very many). */
    static long openFileLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? Integer.MAX_VALUE : Long.parseLong(soft);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux's procfs, or an unexpected format: assume the common default
        }
        return DEFAULT_NOFILE;
    }
}
