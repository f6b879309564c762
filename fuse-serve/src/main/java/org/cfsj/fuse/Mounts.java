package org.cfsj.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Questions about the mount table (/proc/self/mountinfo) and mount points. */
public final class Mounts {
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private Mounts() {}

    /** One mountinfo line: where, what type, from what source, and its device ("major:minor"). */
    public record MountEntry(String mountPoint, String fsType, String source, String device) {}

    /** The topmost mount at exactly {@code dir} (canonical path), if any. */
    public static Optional<MountEntry> mountAt(Path dir) throws IOException {
        String target = canonical(dir).toString();
        MountEntry found = null;
        for (MountEntry e : all()) {
            if (e.mountPoint().equals(target)) {
                found = e;
            }
        }
        return Optional.ofNullable(found);
    }

    /** Every mount at or below {@code dir} (canonical path), in mount order. */
    public static List<MountEntry> under(Path dir) throws IOException {
        String top = canonical(dir).toString();
        String prefix = top.endsWith("/") ? top : top + "/";
        return all().stream().filter(e -> e.mountPoint().equals(top) || e.mountPoint().startsWith(prefix)).toList();
    }

    /** The mount table, in mount order. */
    private static List<MountEntry> all() throws IOException {
        List<MountEntry> out = new ArrayList<>();
        for (String line : Files.readAllLines(MOUNTINFO, StandardCharsets.ISO_8859_1)) {
            // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
            String[] f = line.split(" ");
            int dash = line.indexOf(" - ");
            if (f.length < 5 || dash < 0) {
                continue;
            }
            String[] tail = line.substring(dash + 3).split(" ");
            out.add(new MountEntry(unescape(f[4]), tail[0], tail.length > 1 ? unescape(tail[1]) : "", f[2]));
        }
        return out;
    }

    public static boolean isMountPoint(Path dir) throws IOException {
        return mountAt(dir).isPresent();
    }

    /**
     * The canonical path of {@code p}. A FUSE mount whose server died cannot be stat'ed (ENOTCONN),
     * so only its parent is resolved: that is still enough to find and unmount it.
     */
    static Path canonical(Path p) throws IOException {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            Path abs = p.toAbsolutePath().normalize();
            if (abs.getParent() == null || abs.getFileName() == null) {
                throw e;
            }
            return abs.getParent().toRealPath().resolve(abs.getFileName());
        }
    }

    /** mountinfo escapes space, tab, newline and backslash as \ooo. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()) {
                try {
                    b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                    i += 3;
                    continue;
                } catch (NumberFormatException e) {
                    // not an escape: keep the backslash
                }
            }
            b.append(c);
        }
        return b.toString();
    }

    /** st_dev of a path (without following a final symlink). */
    public static long deviceOf(Path p) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:dev", LinkOption.NOFOLLOW_LINKS)).longValue();
    }

    /** True when {@code dir} is on another device than its parent: something is mounted there. */
    public static boolean isMountedOver(Path dir) throws IOException {
        Path abs = dir.toRealPath();
        Path parent = abs.getParent();
        return parent != null && deviceOf(abs) != deviceOf(parent);
    }
}
