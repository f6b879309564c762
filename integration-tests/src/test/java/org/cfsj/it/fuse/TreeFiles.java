package org.cfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.Io;
import org.cfsj.sys.Stat;
import org.cfsj.sys.StatCalls;
import org.cfsj.tree.Bytes;

/**
 * The regular files of a mounted (or source) tree, named by raw relative paths, and their bytes:
 * for checking that two views of one image hand out the same content. Walks with directory fds and
 * raw names, so any byte in a name works.
 */
final class TreeFiles {
    private TreeFiles() {}

    /** A regular file: its path relative to the root (raw bytes), size and inode number. */
    record File(byte[] path, long size, long ino) {
        String name() {
            return Bytes.str(path);
        }
    }

    /** All regular files below {@code root}, depth first in directory order (hardlinks once per name). */
    static List<File> regularFiles(Path root) throws IOException {
        List<File> out = new ArrayList<>();
        int fd = FileCalls.openat(FileCalls.AT_FDCWD, Bytes.of(root.toString()), FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, root.toString());
        try {
            walk(fd, new byte[0], out);
        } finally {
            FileCalls.close(fd);
        }
        return out;
    }

    private static void walk(int dirfd, byte[] prefix, List<File> out) throws IOException {
        for (byte[] name : FileCalls.readDirectory(dirfd, Bytes.str(prefix))) {
            byte[] path = prefix.length == 0 ? name : join(prefix, name);
            Stat st = StatCalls.statx(dirfd, name, FileCalls.AT_SYMLINK_NOFOLLOW, Bytes.str(path));
            if (st.type() == Stat.S_IFREG) {
                out.add(new File(path, st.size(), st.ino()));
            } else if (st.isDirectory()) {
                int sub = FileCalls.openat(dirfd, name, FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC | FileCalls.O_NOFOLLOW, Bytes.str(path));
                try {
                    walk(sub, path, out);
                } finally {
                    FileCalls.close(sub);
                }
            }
        }
    }

    private static byte[] join(byte[] a, byte[] b) {
        byte[] p = Arrays.copyOf(a, a.length + 1 + b.length);
        p[a.length] = '/';
        System.arraycopy(b, 0, p, a.length + 1, b.length);
        return p;
    }

    /** The whole content of {@code root/rel}, read with read(2); an {@link org.cfsj.sys.SysException} carries the errno. */
    static byte[] read(Path root, byte[] rel) throws IOException {
        byte[] full = join(Bytes.of(root.toString()), rel);
        int fd = FileCalls.openat(FileCalls.AT_FDCWD, full, FileCalls.O_RDONLY | FileCalls.O_CLOEXEC | FileCalls.O_NOFOLLOW, Bytes.str(rel));
        try {
            Stat st = StatCalls.statx(fd, new byte[0], 0x1000 /* AT_EMPTY_PATH */, Bytes.str(rel));
            byte[] data = Io.readFully(fd, Math.toIntExact(st.size()), Bytes.str(rel));
            // and nothing after the end
            byte[] more = readSome(fd);
            if (more.length != 0) {
                fail(Bytes.str(rel) + ": read past st_size (" + st.size() + ") returned " + more.length + " more bytes");
            }
            return data;
        } finally {
            FileCalls.close(fd);
        }
    }

    private static byte[] readSome(int fd) throws IOException {
        try {
            return Io.readFully(fd, 1, "eof");
        } catch (java.io.EOFException e) {
            return new byte[0];
        }
    }

    /** Every file in {@code files} has the same bytes under {@code expectedRoot} and {@code actualRoot}. */
    static long assertSameContents(Path expectedRoot, Path actualRoot, List<File> files, String ctx) throws IOException {
        long bytes = 0;
        for (File f : files) {
            byte[] want = read(expectedRoot, f.path());
            byte[] got;
            try {
                got = read(actualRoot, f.path());
            } catch (IOException e) {
                throw new AssertionError(ctx + ": reading " + f.name() + " (" + want.length + " bytes) under " + actualRoot + " failed: " + e, e);
            }
            if (!Arrays.equals(want, got)) {
                int at = Arrays.mismatch(want, got);
                fail(ctx + ": " + f.name() + " differs at byte " + at + " (" + want.length + " vs " + got.length + " bytes; "
                        + hexAround(want, at) + " vs " + hexAround(got, at) + ")");
            }
            assertEquals(want.length, got.length);
            bytes += want.length;
        }
        return bytes;
    }

    private static String hexAround(byte[] b, int at) {
        return at >= b.length ? "<end>" : HexFormat.of().formatHex(b, at, Math.min(b.length, at + 8));
    }
}
