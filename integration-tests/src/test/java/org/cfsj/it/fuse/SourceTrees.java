package org.cfsj.it.fuse;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.FileCreation;
import org.cfsj.sys.Stat;
import org.cfsj.sys.StatCalls;
import org.cfsj.sys.Xattrs;
import org.cfsj.tree.Bytes;

/**
 * Random source trees built as real directories on disk, to be turned into images by {@code cfsj
 * mkcomposefs}: directories (empty ones and deep chains), regular files of the sizes where
 * composefs changes its mind (0, 1, 64 = the inline limit, 65, around the 4 KiB block, 1 MiB) and
 * random ones, duplicated contents (one object for several inodes), symlinks with binary targets,
 * fifos, sockets, char and block devices, hardlinks (to files, symlinks and devices), user.* and
 * trusted.* xattrs with binary values (trusted.overlay.* too, which composefs must escape), names of
 * any byte but '/' and NUL up to 255 bytes, odd modes (setuid, sticky), owners and nanosecond mtimes.
 *
 * <p>Everything goes through *at system calls with raw byte names: the JDK can neither create such
 * names nor device nodes.
 */
final class SourceTrees {
    static final int[] SIZES = {0, 1, 63, 64, 65, 4095, 4096, 4097, 1 << 20};
    private static final String[] XATTRS = {"user.a", "user.mime_type", "user.overlay.x", "trusted.foo", "trusted.overlay.custom", "trusted.bin"};
    /** Paths stay below PATH_MAX, so every tool can still name every entry. */
    private static final int MAX_PATH = 3800;

    private final Random rnd;
    private final List<byte[]> linkable = new ArrayList<>();
    private final List<byte[]> contents = new ArrayList<>();
    private final byte[] rootPath;
    private int budget;
    private int bigFiles;

    private SourceTrees(long seed, Path root) {
        this.rnd = new Random(seed);
        this.rootPath = Bytes.of(root.toAbsolutePath().toString());
    }

    /** Creates {@code root} (which must not exist) holding about {@code entries} random entries. */
    static void build(Path root, long seed, int entries) throws IOException {
        SourceTrees t = new SourceTrees(seed, root);
        t.budget = entries;
        FileCreation.mkdirat(FileCalls.AT_FDCWD, t.rootPath, 0755, root.toString());
        int fd = FileCalls.openat(FileCalls.AT_FDCWD, t.rootPath, FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, root.toString());
        try {
            t.fill(fd, t.rootPath, 0);
        } finally {
            FileCalls.close(fd);
        }
        // the root's own metadata last: filling it changed its mtime
        t.finish(FileCalls.AT_FDCWD, t.rootPath, true, false);
    }

    private void fill(int dirfd, byte[] path, int depth) throws IOException {
        int n = depth == 0 ? 15 + rnd.nextInt(10) : rnd.nextInt(depth > 5 ? 4 : 14);
        for (int i = 0; i < n && budget > 0; i++, budget--) {
            byte[] name = name(path.length);
            byte[] child = child(path, name);
            String what = Bytes.str(child);
            if (exists(dirfd, name)) {
                continue;
            }
            // the root gets one entry of every kind first, so that every tree covers them all
            int kind = depth == 0 && i < 13 ? i : rnd.nextInt(22);
            switch (kind) {
                case 0, 1, 2 -> {
                    FileCreation.mkdirat(dirfd, name, 0700, what);
                    if (child.length < MAX_PATH - 300) {
                        int sub = FileCalls.openat(dirfd, name, FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, what);
                        try {
                            fill(sub, child, depth + 1);
                        } finally {
                            FileCalls.close(sub);
                        }
                    }
                    finish(dirfd, name, true, false);
                }
                case 3 -> deep(dirfd, name, child);
                case 4, 5 -> {
                    FileCreation.symlinkat(target(), dirfd, name, what);
                    finish(dirfd, name, false, true);
                    linkable.add(child);
                }
                case 6, 7 -> {
                    FileCreation.mknodat(dirfd, name, (kind == 7 ? 0060000 : 0020000) | 0600,
                            Stat.makedev(rnd.nextInt(4096), rnd.nextInt(1 << 20)), what);
                    finish(dirfd, name, false, false);
                    linkable.add(child);
                }
                case 8 -> {
                    FileCreation.mknodat(dirfd, name, 0010000 | 0644, 0, what);
                    finish(dirfd, name, false, false);
                }
                case 9 -> {
                    FileCreation.mknodat(dirfd, name, 0140000 | 0755, 0, what);
                    finish(dirfd, name, false, false);
                }
                case 10, 11 -> {
                    if (linkable.isEmpty()) {
                        budget++;
                        continue;
                    }
                    byte[] target = linkable.get(rnd.nextInt(linkable.size()));
                    FileCreation.linkat(FileCalls.AT_FDCWD, target, dirfd, name, what + " -> " + Bytes.str(target));
                }
                case 12 -> {
                    FileCreation.createFile(dirfd, name, new byte[0], what);
                    finish(dirfd, name, false, false);
                }
                default -> {
                    FileCreation.createFile(dirfd, name, content(), what);
                    finish(dirfd, name, false, false);
                    linkable.add(child);
                }
            }
        }
    }

    private static boolean exists(int dirfd, byte[] name) {
        try {
            StatCalls.statx(dirfd, name, FileCalls.AT_SYMLINK_NOFOLLOW, "exists?");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A chain of directories with long names down to a file, for paths of thousands of bytes. */
    private void deep(int dirfd, byte[] name, byte[] path) throws IOException {
        FileCreation.mkdirat(dirfd, name, 0700, Bytes.str(path));
        int fd = FileCalls.openat(dirfd, name, FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, Bytes.str(path));
        List<Integer> fds = new ArrayList<>(List.of(fd));
        List<byte[]> names = new ArrayList<>();
        try {
            while (path.length < MAX_PATH - 300 && names.size() < 12) {
                String part = "d" + names.size() + "_";
                byte[] n = Bytes.of(part.repeat(Math.min(255 / part.length(), 20 + rnd.nextInt(60))));
                path = child(path, n);
                FileCreation.mkdirat(fds.getLast(), n, 0700, Bytes.str(path));
                fds.add(FileCalls.openat(fds.getLast(), n, FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, Bytes.str(path)));
                names.add(n);
            }
            FileCreation.createFile(fds.getLast(), Bytes.of("leaf"), content(), Bytes.str(path) + "/leaf");
            finish(fds.getLast(), Bytes.of("leaf"), false, false);
            for (int i = names.size() - 1; i >= 0; i--) {
                FileCalls.close(fds.removeLast());
                finish(fds.getLast(), names.get(i), true, false);
            }
        } finally {
            fds.forEach(FileCalls::close);
        }
        finish(dirfd, name, true, false);
    }

    /** Owner, mode, xattrs and mtime of a created entry, in the order that keeps them (chown clears setuid). */
    private void finish(int dirfd, byte[] name, boolean dir, boolean symlink) throws IOException {
        String what = Bytes.str(name);
        int uid = rnd.nextInt(4) == 0 ? 100_000 + rnd.nextInt(1000) : rnd.nextInt(3);
        int gid = rnd.nextInt(3);
        FileCreation.lchownat(dirfd, name, uid, gid, what);
        if (!symlink) {
            int[] perms = dir ? new int[] {0755, 0700, 01777, 0555} : new int[] {0644, 0600, 0755, 04755, 02711, 0444, 0};
            FileCreation.chmodat(dirfd, name, perms[rnd.nextInt(perms.length)], what);
        }
        byte[] path = dirfd == FileCalls.AT_FDCWD ? name : Xattrs.procPath(dirfd, name);
        boolean regularOrDir = !symlink && (dir || isRegular(dirfd, name));
        for (String x : XATTRS) {
            // the VFS allows user.* only on regular files and directories
            if (rnd.nextInt(4) == 0 && (regularOrDir || !x.startsWith("user."))) {
                byte[] v = new byte[rnd.nextInt(3) == 0 ? rnd.nextInt(300) : rnd.nextInt(4)];
                rnd.nextBytes(v);
                Xattrs.set(path, Bytes.of(x), v, what);
            }
        }
        long mtime = rnd.nextInt(3) == 0 ? 1_700_000_000L : 1_000_000_000L + rnd.nextInt(800_000_000);
        FileCreation.lutimesat(dirfd, name, mtime, rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(1_000_000_000), what);
    }

    private static boolean isRegular(int dirfd, byte[] name) throws IOException {
        return (StatCalls.statx(dirfd, name, FileCalls.AT_SYMLINK_NOFOLLOW, Bytes.str(name)).mode() & Stat.S_IFMT) == Stat.S_IFREG;
    }

    private byte[] content() {
        if (!contents.isEmpty() && rnd.nextInt(15) == 0) {
            return contents.get(rnd.nextInt(contents.size()));
        }
        int size;
        if (rnd.nextInt(3) == 0) {
            size = rnd.nextInt(200_000);
        } else {
            size = SIZES[rnd.nextInt(SIZES.length)];
            if (size == 1 << 20 && bigFiles++ >= 2) {
                size = 65;
            }
        }
        byte[] b = new byte[size];
        rnd.nextBytes(b);
        if (size > 64) {
            contents.add(b);
        }
        return b;
    }

    private static byte[] child(byte[] parent, byte[] name) {
        byte[] p = java.util.Arrays.copyOf(parent, parent.length + 1 + name.length);
        p[parent.length] = '/';
        System.arraycopy(name, 0, p, parent.length + 1, name.length);
        return p;
    }

    private byte[] name(int parentLength) {
        int len = switch (rnd.nextInt(6)) {
            case 0 -> 255;
            case 1 -> 1 + rnd.nextInt(255);
            default -> 1 + rnd.nextInt(12);
        };
        len = Math.max(1, Math.min(len, MAX_PATH - parentLength - 1));
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            int c;
            do {
                c = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(255) : 'a' + rnd.nextInt(26);
            } while (c == '/');
            b[i] = (byte) c;
        }
        if ((len == 1 && b[0] == '.') || (len == 2 && b[0] == '.' && b[1] == '.')) {
            b[0] = 'x';
        }
        return b;
    }

    private byte[] target() {
        int len = rnd.nextInt(5) == 0 ? 1 + rnd.nextInt(1000) : 1 + rnd.nextInt(40);
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (1 + rnd.nextInt(255));
        }
        return b;
    }
}
