package org.cfsj.scan;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.Io;
import org.cfsj.sys.PathNames;
import org.cfsj.sys.Stat;
import org.cfsj.sys.StatCalls;
import org.cfsj.sys.Xattrs;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Fifo;
import org.cfsj.tree.InvalidEntryException;
import org.cfsj.tree.Limits;
import org.cfsj.tree.Metadata;
import org.cfsj.tree.Node;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Socket;
import org.cfsj.tree.Symlink;
import org.cfsj.tree.Xattr;

/**
 * Reads a directory tree from disk into the tree model, as {@code mkcomposefs DIR} does
 * ({@code lcfs_build}): lstat semantics (symlinks are never followed; mount points inside the
 * tree are crossed like any directory), names and symlink targets as raw bytes, all xattrs (every
 * namespace) sorted by name, mtime with nanoseconds. Regular files: empty ones carry nothing, files up to the inline limit carry
 * their content, larger ones their fs-verity digest and the object path derived from it.
 *
 * <p>Unlike mkcomposefs, hardlinks survive: non-directories with the same (st_dev, st_ino) and
 * st_nlink &gt; 1 become one {@link Node} object, and {@link Metadata#nlink()} is st_nlink (which
 * also counts links outside the scanned tree; mkcomposefs records 1 for every non-directory).
 *
 * <p>The walk itself is single-threaded and cheap; digests (and digest-store copies) of the large
 * files are computed afterwards by {@link ExternalContent} in a pool, as mkcomposefs does. The
 * walk uses {@link Posix} rather than {@code java.nio.file} because only raw syscalls give file
 * names as bytes; it has no recursion and keeps only the deepest {@link #OPEN_LEVELS} directories
 * of the current path (and the root) open, so tree depth is limited by neither PATH_MAX, the
 * Java stack nor the open-file limit.
 */
public final class DirectoryScanner {
    private static final int DIR_FLAGS = FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_NOFOLLOW | FileCalls.O_CLOEXEC;
    private static final int FILE_FLAGS =
            FileCalls.O_RDONLY | FileCalls.O_NOFOLLOW | FileCalls.O_CLOEXEC | FileCalls.O_NOCTTY | FileCalls.O_NONBLOCK;

    private static final byte[] DOT = {'.'};
    private static final byte[] DOT_DOT = {'.', '.'};

    private final ScanOptions opts;
    private final String rootDisplay;
    /** Non-directory inodes with several links, by (st_dev, st_ino): a Node or a PendingFile. */
    private final Map<InodeKey, Object> linked = new HashMap<>();
    private final List<PendingFile> pending = new ArrayList<>();

    private DirectoryScanner(ScanOptions opts, String rootDisplay) {
        this.opts = opts;
        this.rootDisplay = rootDisplay;
    }

    /** Scans {@code dir} (which must be a directory, not a symlink to one). */
    public static Directory scan(Path dir, ScanOptions opts) throws IOException {
        String display = dir.toString();
        // The root comes from a Java string (a command-line argument); everything below it is read as bytes.
        byte[] rootBytes = PathNames.bytes(display);
        Stat st = StatCalls.statx(FileCalls.AT_FDCWD, rootBytes, FileCalls.AT_SYMLINK_NOFOLLOW, display);
        if (!st.isDirectory()) {
            throw new IOException(display + ": not a directory");
        }
        int rootFd = FileCalls.openat(FileCalls.AT_FDCWD, rootBytes, DIR_FLAGS, display);
        try {
            DirectoryScanner scanner = new DirectoryScanner(opts, display);
            List<Xattr> xattrs = scanner.xattrs(rootBytes, display);
            Directory root = new Directory(metadata(st, xattrs));
            root.setSize(st.size());
            scanner.walk(rootFd, root);
            new ExternalContent(opts, rootFd).resolve(scanner.pending);
            return root;
        } finally {
            FileCalls.close(rootFd);
        }
    }

    /** Directories on the current path that keep their fd open; those above them are parked. */
    static final int OPEN_LEVELS = 64;

    /**
     * One directory on the current path of the walk. {@code displayLength} is where its path ends
     * in the walk's one display buffer (a display string per level would cost memory quadratic in
     * the depth). Only the deepest {@link #OPEN_LEVELS} frames (and the root) hold an open fd: a
     * parked frame ({@code fd == -1}) remembers its directory's identity and is reopened through
     * ".." of its child when the walk climbs back to it, so depth is not bounded by the open-file
     * limit.
     */
    private static final class Frame {
        int fd;
        final Directory dir;
        final EntryPath path;
        final Iterator<byte[]> names;
        final int displayLength;
        Stat identity;

        Frame(int fd, Directory dir, EntryPath path, Iterator<byte[]> names, int displayLength) {
            this.fd = fd;
            this.dir = dir;
            this.path = path;
            this.names = names;
            this.displayLength = displayLength;
        }
    }

    private void walk(int rootFd, Directory root) throws IOException {
        ArrayList<Frame> stack = new ArrayList<>();
        StringBuilder display = new StringBuilder(rootDisplay);
        try {
            EntryPath rootPath = EntryPath.root(rootDisplay);
            stack.add(new Frame(rootFd, root, rootPath, listSorted(rootFd, rootDisplay), display.length()));
            while (!stack.isEmpty()) {
                Frame f = stack.getLast();
                display.setLength(f.displayLength);
                if (!f.names.hasNext()) {
                    // Unparked while f is still on the stack, so that f.fd is closed below even if this throws.
                    if (stack.size() > 1 && stack.get(stack.size() - 2).fd < 0) {
                        unpark(stack.get(stack.size() - 2), f.fd, display);
                    }
                    stack.removeLast();
                    if (f.fd != rootFd) {
                        FileCalls.close(f.fd);
                    }
                    continue;
                }
                byte[] name = f.names.next();
                EntryPath path = f.path.child(name);
                String what = EntryPath.appendName(display, name).toString();
                Directory sub;
                try {
                    // Large files are placed after the walk: their names too must be checked here.
                    Limits.requireName(name);
                    sub = entry(f.fd, f.dir, name, path, what);
                } catch (InvalidEntryException e) {
                    throw new IOException(what + ": " + e.getMessage());
                }
                if (sub != null) {
                    int fd = FileCalls.openat(f.fd, name, DIR_FLAGS, what);
                    Iterator<byte[]> names;
                    try {
                        names = listSorted(fd, what);
                    } catch (IOException | RuntimeException e) {
                        FileCalls.close(fd);
                        throw e;
                    }
                    stack.add(new Frame(fd, sub, path, names, display.length()));
                    int park = stack.size() - 1 - OPEN_LEVELS;
                    if (park >= 1) { // never the root: its fd is the caller's
                        Frame p = stack.get(park);
                        p.identity = StatCalls.statx(p.fd, DOT, 0, what);
                        FileCalls.close(p.fd);
                        p.fd = -1;
                    }
                }
            }
        } finally {
            for (Frame f : stack) {
                if (f.fd >= 0 && f.fd != rootFd) {
                    FileCalls.close(f.fd);
                }
            }
        }
    }

    /** Reopens a parked frame as ".." of its child, which must still be the same directory. */
    private static void unpark(Frame parent, int childFd, StringBuilder display) throws IOException {
        display.setLength(parent.displayLength);
        String what = display.toString();
        int fd = FileCalls.openat(childFd, DOT_DOT, DIR_FLAGS, what);
        Stat now;
        try {
            now = StatCalls.statx(fd, DOT, 0, what);
        } catch (IOException | RuntimeException e) {
            FileCalls.close(fd);
            throw e;
        }
        if (now.ino() != parent.identity.ino() || now.devMajor() != parent.identity.devMajor()
                || now.devMinor() != parent.identity.devMinor()) {
            FileCalls.close(fd);
            throw new IOException(what + ": directory moved while it was being scanned");
        }
        parent.fd = fd;
    }

    private static Iterator<byte[]> listSorted(int fd, String what) throws IOException {
        List<byte[]> names = FileCalls.readDirectory(fd, what);
        names.sort(Bytes.ORDER); // only so that errors and hardlink choices are reproducible
        return names.iterator();
    }

    /** Adds one entry of {@code parent}; returns the new Directory if it must be descended into. */
    private Directory entry(int dirfd, Directory parent, byte[] name, EntryPath path, String what) throws IOException {
        Stat st = StatCalls.statx(dirfd, name, FileCalls.AT_SYMLINK_NOFOLLOW, what);
        InodeKey key = null;
        if (!st.isDirectory() && st.nlink() > 1) {
            key = new InodeKey(st.devMajor(), st.devMinor(), st.ino());
            Object seen = linked.get(key);
            switch (seen) {
                case null -> {}
                case Node node -> {
                    parent.add(name, node);
                    return null;
                }
                case PendingFile p -> {
                    p.placements().add(new Placement(parent, name));
                    return null;
                }
                default -> throw new IllegalStateException("unexpected " + seen);
            }
        }
        Metadata meta = metadata(st, xattrs(Xattrs.procPath(dirfd, name), what));
        Object made = switch (st.type()) {
            case Node.S_IFDIR -> {
                Directory d = new Directory(meta);
                d.setSize(st.size());
                yield d;
            }
            case Node.S_IFREG -> regularFile(dirfd, name, path, what, st, meta);
            case Node.S_IFLNK -> new Symlink(meta, FileCalls.readlinkat(dirfd, name, what));
            case Node.S_IFCHR -> new Device(meta, false, st.rdev());
            case Node.S_IFBLK -> new Device(meta, true, st.rdev());
            case Node.S_IFIFO -> new Fifo(meta);
            case Node.S_IFSOCK -> new Socket(meta);
            default -> throw new IOException(what + ": unknown file type (mode " + Integer.toOctalString(st.mode()) + ")");
        };
        if (key != null) {
            linked.put(key, made);
        }
        switch (made) {
            case PendingFile p -> p.placements().add(new Placement(parent, name));
            case Node node -> parent.add(name, node);
            default -> throw new IllegalStateException("unexpected " + made);
        }
        return made instanceof Directory d ? d : null;
    }

    /** A RegularFile for empty and small files; a PendingFile (digest to compute) for large ones. */
    private Object regularFile(int dirfd, byte[] name, EntryPath path, String what, Stat st, Metadata meta)
            throws IOException {
        long size = st.size();
        if (size == 0) {
            return new RegularFile(meta, 0, null, null, null);
        }
        if (size <= opts.inlineLimit()) {
            int fd = FileCalls.openat(dirfd, name, FILE_FLAGS, what);
            try {
                return RegularFile.inline(meta, Io.readFully(fd, (int) size, what));
            } finally {
                FileCalls.close(fd);
            }
        }
        PendingFile p = new PendingFile(meta, size, path, new ArrayList<>(1));
        pending.add(p);
        return p;
    }

    private List<Xattr> xattrs(byte[] path, String what) throws IOException {
        if (!opts.readXattrs()) {
            return List.of();
        }
        List<Xattr> out = new ArrayList<>();
        for (byte[] name : Xattrs.list(path, what)) {
            byte[] value = Xattrs.get(path, name, what);
            if (value != null) { // null: removed since it was listed
                out.add(new Xattr(name, value));
            }
        }
        out.sort((a, b) -> Bytes.ORDER.compare(a.nameView(), b.nameView()));
        return out;
    }

    private static Metadata metadata(Stat st, List<Xattr> xattrs) {
        int nlink = (int) Math.min(st.nlink(), Integer.MAX_VALUE);
        return new Metadata(st.mode() & 07777, st.uid(), st.gid(), st.mtimeSec(), st.mtimeNsec(), nlink, xattrs);
    }

    private record InodeKey(int devMajor, int devMinor, long ino) {}
}
