package org.cfsj.repo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import org.cfsj.sys.Stat;

/**
 * Which processes hold a {@code flock} on a file, from {@code /proc/locks}: the kernel lists
 * every granted lock with the pid that took it and the file's device and inode. Nothing has to
 * be written by the holder, so a holder that died or never ran cfsj is found the same way.
 *
 * <p>Line format (fs/locks.c, lock_get_status): {@code N: FLOCK  ADVISORY  WRITE PID MAJ:MIN:INO
 * START END}, with the device numbers in hex; {@code N: -> FLOCK …} lines are waiters, not
 * holders. A holder in another pid namespace is shown with pid 0 or -1 and is left out.
 */
final class LockHolders {
    private static final Path PROC_LOCKS = Path.of("/proc/locks");

    private LockHolders() {}

    /** PIDs holding a flock on the file {@code st} describes; empty if none is visible or /proc is not there. */
    static List<Long> of(Stat st) {
        String text;
        try {
            text = Files.readString(PROC_LOCKS, StandardCharsets.ISO_8859_1);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        return parse(text, st.devMajor(), st.devMinor(), st.ino());
    }

    static List<Long> parse(String procLocks, int major, int minor, long ino) {
        TreeSet<Long> pids = new TreeSet<>();
        for (String line : procLocks.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 6 || !f[1].equals("FLOCK")) {
                continue; // a waiter ("->"), a POSIX or OFD lock, or a short line
            }
            String[] id = f[5].split(":");
            try {
                long pid = Long.parseLong(f[4]);
                if (id.length == 3 && pid > 0 && Integer.parseInt(id[0], 16) == major
                        && Integer.parseInt(id[1], 16) == minor && Long.parseUnsignedLong(id[2]) == ino) {
                    pids.add(pid);
                }
            } catch (NumberFormatException e) {
                // not a line this parser understands
            }
        }
        return List.copyOf(pids);
    }

    /** "held by PID 12, 34" or "held by another process" when no holder is visible. */
    static String describe(List<Long> pids) {
        if (pids.isEmpty()) {
            return "held by another process";
        }
        StringBuilder sb = new StringBuilder("held by PID ");
        for (int i = 0; i < pids.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(pids.get(i));
        }
        return sb.toString();
    }
}
