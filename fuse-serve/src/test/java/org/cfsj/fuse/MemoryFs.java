package org.cfsj.fuse;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.cfsj.fuse.fs.Attributes;
import org.cfsj.fuse.fs.CachePolicy;
import org.cfsj.fuse.fs.DirectoryListing;
import org.cfsj.fuse.fs.Entry;
import org.cfsj.fuse.fs.FsException;
import org.cfsj.fuse.fs.FsStatistics;
import org.cfsj.fuse.fs.OpenedFile;
import org.cfsj.fuse.fs.ReadOnlyFilesystem;
import org.cfsj.sys.Errno;

/**
 * A tiny fixed filesystem for protocol tests: / with "hello" (a file), "link" (a symlink to
 * hello) and "sub" (an empty directory). "hello" has the xattr user.greeting=hi.
 */
final class MemoryFs implements ReadOnlyFilesystem {
    static final byte[] HELLO = "hello, world\n".getBytes(StandardCharsets.US_ASCII);
    static final long HELLO_NODE = 2;
    static final long LINK_NODE = 3;
    static final long SUB_NODE = 4;
    private static final String[] NAMES = {"hello", "link", "sub"};
    private static final long[] NODES = {HELLO_NODE, LINK_NODE, SUB_NODE};
    private final boolean openLess;

    MemoryFs() {
        this(false);
    }

    /** @param openLess serve files and directories without OPEN / OPENDIR */
    MemoryFs(boolean openLess) {
        this.openLess = openLess;
    }

    @Override
    public boolean filesNeedOpen() {
        return !openLess;
    }

    @Override
    public boolean directoriesNeedOpen() {
        return !openLess;
    }

    @Override
    public CachePolicy cachePolicy() {
        return CachePolicy.immutable();
    }

    private static Attributes attributes(long node) throws FsException {
        int mode;
        long size;
        int nlink = 1;
        if (node == ROOT) {
            mode = 0040755;
            size = 4096;
            nlink = 3;
        } else if (node == HELLO_NODE) {
            mode = 0100644;
            size = HELLO.length;
        } else if (node == LINK_NODE) {
            mode = 0120777;
            size = 5;
        } else if (node == SUB_NODE) {
            mode = 0040700;
            size = 4096;
            nlink = 2;
        } else {
            throw new FsException(Errno.ENOENT);
        }
        return new Attributes(node, mode, nlink, 1000, 100, 0, size, (size + 511) / 512, 4096, 1_700_000_000, 5,
                1_700_000_000, 5, 1_700_000_000, 5);
    }

    @Override
    public Entry lookup(long parent, byte[] name) throws FsException {
        if (parent != ROOT) {
            return null;
        }
        String n = new String(name, StandardCharsets.ISO_8859_1);
        for (int i = 0; i < NAMES.length; i++) {
            if (NAMES[i].equals(n)) {
                return new Entry(NODES[i], attributes(NODES[i]));
            }
        }
        return null;
    }

    @Override
    public Attributes getattr(long node) throws FsException {
        return attributes(node);
    }

    @Override
    public byte[] readlink(long node) throws FsException {
        if (node != LINK_NODE) {
            throw new FsException(Errno.EINVAL);
        }
        return "hello".getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public OpenedFile open(long node, int flags) throws FsException {
        return new OpenedFile.Served(node);
    }

    @Override
    public long read(long node, long fh, long offset, MemorySegment dst) {
        if (offset >= HELLO.length) {
            return 0;
        }
        int n = (int) Math.min(dst.byteSize(), HELLO.length - offset);
        MemorySegment.copy(HELLO, (int) offset, dst, ValueLayout.JAVA_BYTE, 0, n);
        return n;
    }

    @Override
    public void readdir(long node, long fh, long offset, DirectoryListing listing) throws FsException {
        String[] names = node == ROOT ? new String[] {".", "..", "hello", "link", "sub"} : new String[] {".", ".."};
        long[] nodes = node == ROOT ? new long[] {ROOT, ROOT, HELLO_NODE, LINK_NODE, SUB_NODE} : new long[] {node, ROOT};
        for (int i = (int) offset; i < names.length; i++) {
            Entry e = i < 2 || !listing.wantsEntries() ? null : new Entry(nodes[i], attributes(nodes[i]));
            if (!listing.add(names[i].getBytes(StandardCharsets.US_ASCII), nodes[i], attributes(nodes[i]).mode(),
                    i + 1, e)) {
                return;
            }
        }
    }

    @Override
    public byte[] getxattr(long node, byte[] name) {
        return node == HELLO_NODE && Arrays.equals(name, "user.greeting".getBytes(StandardCharsets.US_ASCII))
                ? "hi".getBytes(StandardCharsets.US_ASCII)
                : null;
    }

    @Override
    public List<byte[]> listxattr(long node) {
        return node == HELLO_NODE ? List.of("user.greeting".getBytes(StandardCharsets.US_ASCII)) : List.of();
    }

    @Override
    public FsStatistics statfs(long node) {
        return new FsStatistics(10, 0, 0, 4, 0, 4096, 255, 4096);
    }
}
