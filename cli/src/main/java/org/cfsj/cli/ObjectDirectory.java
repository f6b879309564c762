package org.cfsj.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cfsj.dump.DumpEscaper;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.PathNames;
import org.cfsj.sys.StatCalls;
import org.cfsj.sys.SysException;

/**
 * The object directory of {@code composefs-info missing-objects --basedir DIR}, where an image's
 * payloads are looked up. An image is untrusted input, so a payload is looked up only if it is an
 * object path: after the leading '/'s (a composefs redirect is absolute within the object
 * directory, and C composefs-info drops them too), one or more names, none of them empty,
 * {@code .} or {@code ..}. Anything else is rejected ({@link #components}), and the lookup
 * follows no symlink below the directory: no payload can tell whether a file outside it exists.
 */
final class ObjectDirectory implements AutoCloseable {
    private static final int DIR_FLAGS = FileCalls.O_PATH | FileCalls.O_DIRECTORY | FileCalls.O_NOFOLLOW | FileCalls.O_CLOEXEC;

    private final int fd;

    private ObjectDirectory(int fd) {
        this.fd = fd;
    }

    /** Opens {@code dir} itself (a symlink given by the user is followed, as for any argument). */
    static ObjectDirectory open(Path dir) throws IOException {
        return new ObjectDirectory(FileCalls.openat(FileCalls.AT_FDCWD, PathNames.bytes(dir),
                FileCalls.O_PATH | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, "--basedir " + dir));
    }

    /** The names of an object path, or an exception saying why {@code payload} is not one. */
    static List<byte[]> components(byte[] payload) throws IOException {
        int start = 0;
        while (start < payload.length && payload[start] == '/') {
            start++;
        }
        List<byte[]> names = new ArrayList<>();
        for (int i = start; i <= payload.length; i++) {
            if (i < payload.length && payload[i] == 0) {
                throw notObjectPath(payload, "it contains a NUL byte");
            }
            if (i == payload.length || payload[i] == '/') {
                int len = i - start;
                if (len == 0) {
                    throw notObjectPath(payload, start == payload.length ? "it names no file" : "it has an empty component");
                }
                if ((len == 1 && payload[start] == '.') || (len == 2 && payload[start] == '.' && payload[start + 1] == '.')) {
                    throw notObjectPath(payload, "it has a '" + (len == 1 ? "." : "..") + "' component");
                }
                byte[] name = new byte[len];
                System.arraycopy(payload, start, name, 0, len);
                names.add(name);
                start = i + 1;
            }
        }
        return names;
    }

    private static IOException notObjectPath(byte[] payload, String why) {
        return new IOException("payload " + DumpEscaper.escape(payload, DumpEscaper.Style.STANDARD)
                + " is not an object path below --basedir: " + why);
    }

    /**
     * Whether the object exists: every name but the last a real directory (not a symlink), the
     * last anything, itself (not followed). Any failure to look it up counts as missing.
     */
    boolean exists(List<byte[]> names) {
        int dir = fd;
        try {
            for (int i = 0; i < names.size() - 1; i++) {
                int next = FileCalls.openat(dir, names.get(i), DIR_FLAGS, "object directory");
                if (dir != fd) {
                    FileCalls.close(dir);
                }
                dir = next;
            }
            StatCalls.statx(dir, names.getLast(), FileCalls.AT_SYMLINK_NOFOLLOW, "object");
            return true;
        } catch (SysException e) {
            return false;
        } finally {
            if (dir != fd) {
                FileCalls.close(dir);
            }
        }
    }

    @Override
    public void close() {
        FileCalls.close(fd);
    }
}
