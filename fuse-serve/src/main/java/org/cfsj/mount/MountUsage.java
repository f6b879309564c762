package org.cfsj.mount;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import org.cfsj.fuse.DeviceId;

/**
 * How many mounts of given devices exist in every mount namespace of the host: what decides that
 * a served image has no users left. A detached mount that was never attached (or was unmounted
 * lazily while files stay open) is in no namespace's table and is not seen; callers count the
 * mounts they handed out recently themselves.
 *
 * <p>How: every process in /proc names its mount namespace ({@code /proc/PID/ns/mnt}, an nsfs
 * inode); the mount table of each namespace is read once, from the first process found in it
 * ({@code /proc/PID/mountinfo}), and its lines' device field ("major:minor") is matched. This
 * rather than listmount(2)/statmount(2): those list one namespace given its id, and reaching
 * every namespace needs namespace fds and iteration ioctls of Linux 6.12+, while /proc works on
 * every kernel and is one read per namespace. A process whose namespace link cannot be read (no
 * ptrace access, e.g. a sandbox's init) has its table read all the same, so every table read is
 * counted once by content (SHA-256): mount ids are unique across namespaces, so equal tables are
 * one namespace, and one namespace seen through processes with different roots (or changing
 * between two reads) only over-counts, which keeps a server longer, never releases it early.
 *
 * <p>Invariant: the scan is bounded (processes, namespaces, bytes per table). When a bound is hit
 * the result says it is incomplete, and {@link Counts#maybeInUse} then answers true for every
 * device: a server is never released on a partial view. Processes that exit mid-scan are skipped.
 * The view is that of this process's /proc: in a container with its own PID namespace, the host's
 * other namespaces are not seen.
 */
public final class MountUsage {
    /** The most /proc entries looked at in one scan. */
    static final int MAX_PROCESSES = 1 << 17;
    /** The most mount tables read in one scan. */
    static final int MAX_TABLES = 4096;
    /** The largest mount table read (a few hundred bytes per mount). */
    static final int MAX_TABLE_BYTES = 16 << 20;

    private static final Path PROC = Path.of("/proc");

    private MountUsage() {}

    /**
     * The result of a scan.
     *
     * @param mounts mounts found per device asked about (absent: none)
     * @param complete false when a bound cut the scan short
     */
    public record Counts(Map<DeviceId, Integer> mounts, boolean complete) {
        public Counts {
            mounts = Map.copyOf(mounts);
        }

        /** Mounts of {@code device} found. */
        public int of(DeviceId device) {
            return mounts.getOrDefault(device, 0);
        }

        /** True unless the scan was complete and found no mount of {@code device}. */
        public boolean maybeInUse(DeviceId device) {
            return !complete || of(device) > 0;
        }

        /** Mounts found of all the devices together. */
        public int total() {
            return mounts.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    /** Counts the mounts of each of {@code devices} in every mount namespace visible in /proc. */
    public static Counts scan(Set<DeviceId> devices) {
        Map<String, DeviceId> wanted = new HashMap<>();
        devices.forEach(d -> wanted.put(d.toString(), d));
        Map<DeviceId, Integer> found = new HashMap<>();
        if (wanted.isEmpty()) {
            return new Counts(found, true);
        }
        Set<String> namespacesSeen = new HashSet<>();
        int processes = 0;
        int tables = 0;
        boolean complete = true;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC, MountUsage::isProcess)) {
            for (Path process : entries) {
                if (++processes > MAX_PROCESSES) {
                    complete = false;
                    break;
                }
                String namespace = namespaceOf(process);
                if (namespace != null && !namespacesSeen.add(namespace)) {
                    continue;
                }
                if (tables >= MAX_TABLES) {
                    complete = false;
                    break;
                }
                byte[] table = readTable(process.resolve("mountinfo"));
                if (table == null) {
                    continue; // exited, or not ours to read
                }
                tables++;
                if (table.length > MAX_TABLE_BYTES) {
                    complete = false;
                    continue;
                }
                if (!namespacesSeen.add(contentKey(table))) {
                    continue; // a namespace already counted, reached through a process whose link was unreadable
                }
                countMatches(new String(table, StandardCharsets.ISO_8859_1), wanted, found);
            }
        } catch (IOException e) {
            complete = false;
        }
        return new Counts(found, complete);
    }

    private static String contentKey(byte[] table) {
        try {
            return "table:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(table));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static boolean isProcess(Path p) {
        String name = p.getFileName().toString();
        return !name.isEmpty() && name.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /** "mnt:[INODE]", or null when the link cannot be read. */
    private static String namespaceOf(Path process) {
        try {
            return Files.readSymbolicLink(process.resolve("ns/mnt")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** The table's bytes, at most one more than the bound (so that "too big" shows), or null. */
    private static byte[] readTable(Path mountinfo) {
        try (InputStream in = Files.newInputStream(mountinfo)) {
            return in.readNBytes(MAX_TABLE_BYTES + 1);
        } catch (IOException e) {
            return null;
        }
    }

    /** mountinfo: "ID PARENT MAJOR:MINOR ROOT MOUNTPOINT ..."; the third field is the device. */
    static void countMatches(String table, Map<String, DeviceId> wanted, Map<DeviceId, Integer> found) {
        int start = 0;
        while (start < table.length()) {
            int end = table.indexOf('\n', start);
            if (end < 0) {
                end = table.length();
            }
            int s1 = table.indexOf(' ', start);
            int s2 = s1 < 0 || s1 >= end ? -1 : table.indexOf(' ', s1 + 1);
            int s3 = s2 < 0 || s2 >= end ? -1 : table.indexOf(' ', s2 + 1);
            if (s3 > 0 && s3 < end) {
                DeviceId d = wanted.get(table.substring(s2 + 1, s3));
                if (d != null) {
                    found.merge(d, 1, Integer::sum);
                }
            }
            start = end + 1;
        }
    }
}
