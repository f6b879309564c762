package org.cfsj.it.mutate;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import org.cfsj.composefs.ComposefsFilesystem;
import org.cfsj.fuse.fs.Attributes;
import org.cfsj.fuse.fs.DirectoryListing;
import org.cfsj.fuse.fs.Entry;
import org.cfsj.fuse.fs.FsException;
import org.cfsj.fuse.fs.OpenedFile;
import org.cfsj.fuse.fs.ReadOnlyFilesystem;

/**
 * Walks a filesystem the way the kernel drives the FUSE server over a whole {@code find -ls; tar c}:
 * getattr, listxattr and getxattr of every node, readdir and readdirplus of every directory in
 * pages of varying size, lookup of every listed name (and of names that are not there), readlink,
 * reads of every regular file (start, end, past the end; open-less with handle 0 where the
 * filesystem says files need no open, as the server then runs), statfs.
 *
 * <p>{@link FsException} is the filesystem's answer to a request and is counted, not thrown; a
 * listing whose resume offsets do not advance (which would make getdents loop for ever) is a
 * {@link Outcome.Violation}; any other exception escapes to the caller.
 */
final class ServerWalk {
    static final int MAX_NODES = 20_000;
    static final long MAX_LISTED = 200_000;
    static final long MAX_READ = 1 << 18;
    static final int MAX_GETXATTR = 32;

    /** Errors per errno, e.g. {@code EIO=3}. */
    final TreeMap<Integer, Integer> errors = new TreeMap<>();
    /** The first message of each errno, to show in a failure. */
    final TreeMap<Integer, String> firstMessage = new TreeMap<>();
    int nodes;

    private final ReadOnlyFilesystem fs;
    private final MemorySegment buf;
    private int pageSeed;

    private ServerWalk(ReadOnlyFilesystem fs, MemorySegment buf, int pageSeed) {
        this.fs = fs;
        this.buf = buf;
        this.pageSeed = pageSeed;
    }

    /** @param buf a native buffer for reads (the server reads into native memory) */
    static ServerWalk walk(ComposefsFilesystem fs, MemorySegment buf, int pageSeed) {
        ServerWalk w = new ServerWalk(fs, buf, pageSeed);
        w.run();
        return w;
    }

    private void failed(FsException e) {
        errors.merge(e.errno(), 1, Integer::sum);
        firstMessage.putIfAbsent(e.errno(), e.getMessage());
    }

    private void run() {
        Deque<Long> todo = new ArrayDeque<>();
        Set<Long> seen = new HashSet<>();
        todo.add(ReadOnlyFilesystem.ROOT);
        while (!todo.isEmpty() && seen.size() < MAX_NODES) {
            long node = todo.poll();
            if (!seen.add(node)) {
                continue;
            }
            nodes++;
            Attributes a;
            try {
                a = fs.getattr(node);
            } catch (FsException e) {
                failed(e);
                continue;
            }
            xattrs(node);
            switch (a.mode() & Attributes.S_IFMT) {
                case Attributes.S_IFDIR -> directory(node, todo);
                case Attributes.S_IFLNK -> {
                    try {
                        fs.readlink(node);
                    } catch (FsException e) {
                        failed(e);
                    }
                }
                case Attributes.S_IFREG -> file(node, a.size());
                default -> {}
            }
            try {
                fs.statfs(node);
            } catch (FsException e) {
                failed(e);
            }
        }
    }

    private static final byte[][] PROBE_XATTRS = {
        "trusted.overlay.redirect".getBytes(StandardCharsets.US_ASCII),
        "trusted.overlay.metacopy".getBytes(StandardCharsets.US_ASCII),
        "user.not-there".getBytes(StandardCharsets.US_ASCII),
        new byte[0],
    };

    private void xattrs(long node) {
        try {
            // the first names only: getxattr decodes the node's xattrs, and all of them would make
            // this walk quadratic in the xattrs per node (which the importer should bound)
            List<byte[]> names = fs.listxattr(node);
            for (byte[] name : names.subList(0, Math.min(names.size(), MAX_GETXATTR))) {
                fs.getxattr(node, name);
            }
            for (byte[] name : PROBE_XATTRS) {
                fs.getxattr(node, name);
            }
        } catch (FsException e) {
            failed(e);
        }
    }

    /** One readdir(plus) reply: holds up to {@code capacity} entries, as a reply buffer would. */
    private static final class Page implements DirectoryListing {
        final boolean plus;
        final int capacity;
        final List<byte[]> names = new ArrayList<>();
        final List<Entry> entries = new ArrayList<>();
        long lastNext = -1;
        final long from;

        Page(boolean plus, int capacity, long from) {
            this.plus = plus;
            this.capacity = capacity;
            this.from = from;
        }

        @Override
        public boolean wantsEntries() {
            return plus;
        }

        @Override
        public boolean add(byte[] name, long ino, int type, long nextOffset, Entry entry) {
            if (names.size() == capacity) {
                return false;
            }
            if (nextOffset <= (lastNext < 0 ? from : lastNext)) {
                throw new Outcome.Violation("readdir offsets do not advance: entry '" + printable(name) + "' resumes at "
                        + nextOffset + " after " + (lastNext < 0 ? from : lastNext));
            }
            names.add(name);
            entries.add(entry);
            lastNext = nextOffset;
            return true;
        }
    }

    private void directory(long node, Deque<Long> todo) {
        List<byte[]> names = new ArrayList<>();
        for (boolean plus : new boolean[] {false, true}) {
            long offset = 0;
            long listed = 0;
            int capacity = 1 + Math.floorMod(pageSeed++ * 31, 97);
            try {
                long fh = fs.opendir(node);
                while (true) {
                    Page p = new Page(plus, capacity, offset);
                    fs.readdir(node, fh, offset, p);
                    listed += p.names.size();
                    if (listed > MAX_LISTED) {
                        throw new Outcome.Violation("readdir of node " + node + " lists more than " + MAX_LISTED + " entries");
                    }
                    for (int i = 0; i < p.names.size(); i++) {
                        if (!plus) {
                            names.add(p.names.get(i));
                        } else if (p.entries.get(i) != null) {
                            todo.add(p.entries.get(i).nodeId());
                        }
                    }
                    if (p.names.size() < capacity) {
                        break;
                    }
                    offset = p.lastNext;
                }
                fs.releasedir(node, fh);
            } catch (FsException e) {
                failed(e);
            }
        }
        for (byte[] name : names) {
            if (isDot(name)) {
                continue;
            }
            try {
                Entry e = fs.lookup(node, name);
                if (e != null) {
                    todo.add(e.nodeId());
                }
            } catch (FsException e) {
                failed(e);
            }
        }
        for (byte[] absent : new byte[][] {"no such name".getBytes(StandardCharsets.US_ASCII), new byte[256], new byte[0]}) {
            try {
                fs.lookup(node, absent);
            } catch (FsException e) {
                failed(e);
            }
        }
    }

    private static boolean isDot(byte[] name) {
        return Arrays.equals(name, new byte[] {'.'}) || Arrays.equals(name, new byte[] {'.', '.'});
    }

    private void file(long node, long size) {
        long fh = 0;
        boolean opened = false;
        try {
            if (fs.filesNeedOpen()) {
                OpenedFile f = fs.open(node, 0);
                fh = f.fh();
                opened = true;
            }
            long limit = Math.min(size, MAX_READ);
            long step = buf.byteSize();
            for (long off = 0; off < limit; off += step) {
                long n = fs.read(node, fh, off, buf);
                if (n < 0 || n > step) {
                    throw new Outcome.Violation("read of node " + node + " at " + off + " returned " + n);
                }
                if (n == 0) {
                    break;
                }
            }
            if (size > 0) {
                fs.read(node, fh, size - 1, buf);
            }
            fs.read(node, fh, Math.max(size, 0), buf);
            fs.read(node, fh, Long.MAX_VALUE / 2, buf);
        } catch (FsException e) {
            failed(e);
        } finally {
            if (opened) {
                fs.release(node, fh);
            }
        }
    }

    static String printable(byte[] name) {
        StringBuilder b = new StringBuilder();
        for (byte c : Arrays.copyOf(name, Math.min(name.length, 60))) {
            b.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c & 0xff));
        }
        return name.length > 60 ? b + "..." : b.toString();
    }

    String summary() {
        StringBuilder b = new StringBuilder();
        errors.forEach((errno, count) -> b.append(b.isEmpty() ? "" : ",").append("errno").append(errno).append('x').append(count));
        return b.isEmpty() ? "clean" : b.toString();
    }
}
