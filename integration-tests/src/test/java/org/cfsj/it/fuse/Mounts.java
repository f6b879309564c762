package org.cfsj.it.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cfsj.sys.MountCalls;

/** What is mounted where, from /proc/self/mountinfo (paths there are octal-escaped). */
final class Mounts {
    private Mounts() {}

    record Entry(String mountPoint, String fsType, String source) {}

    static List<Entry> all() throws IOException {
        List<Entry> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), java.nio.charset.StandardCharsets.ISO_8859_1)) {
            // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
            String[] f = line.split(" ");
            int dash = java.util.Arrays.asList(f).indexOf("-");
            out.add(new Entry(unescape(f[4]), dash > 0 ? f[dash + 1] : "?", dash > 0 ? unescape(f[dash + 2]) : "?"));
        }
        return out;
    }

    static boolean isMountPoint(Path p) throws IOException {
        String s = p.toAbsolutePath().normalize().toString();
        return all().stream().anyMatch(e -> e.mountPoint().equals(s));
    }

    /** Mounts at or below {@code dir}. */
    static List<Entry> under(Path dir) throws IOException {
        String s = dir.toAbsolutePath().normalize().toString();
        return all().stream().filter(e -> e.mountPoint().equals(s) || e.mountPoint().startsWith(s + "/")).toList();
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Best effort: detaches whatever is still mounted at {@code p} (repeatedly, for stacked mounts). */
    static void forceUnmount(Path p) {
        for (int i = 0; i < 8; i++) {
            try {
                if (!isMountPoint(p)) {
                    return;
                }
                MountCalls.umount2(p.toAbsolutePath().normalize().toString(), MountCalls.MNT_DETACH);
            } catch (IOException e) {
                return;
            }
        }
    }
}
