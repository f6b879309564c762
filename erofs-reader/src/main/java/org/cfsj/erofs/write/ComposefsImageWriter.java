package org.cfsj.erofs.write;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.cfsj.erofs.ErofsLayout;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Hardlinks;
import org.cfsj.tree.Node;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Symlink;
import org.cfsj.tree.Xattr;

/**
 * Writes a tree as a composefs EROFS image, byte for byte as C composefs's {@code mkcomposefs}
 * writes it for the same tree (libcomposefs's EROFS writer was read for the layout rules; this
 * is an independent implementation). The image holds metadata only: small files inline, the
 * others as overlayfs metacopy files redirecting to their backing objects.
 *
 * <p>Layout: composefs header, superblock at 1024, inodes in breadth-first order packed in
 * 32-byte slots (directory, symlink and small-file tails inline), shared xattrs, then
 * block-aligned data blocks (large directories, large inline files, chunk indexes that did not
 * fit inline). Every size is planned before anything is written; the write checks the plan.
 */
public final class ComposefsImageWriter {

    /** Format version bounds as mkcomposefs's {@code --min-version/--max-version}. */
    public record Options(int minVersion, int maxVersion) {
        public static final Options DEFAULT = new Options(0, 1);
        public static final int VERSION_MAX = 1;

        public static Options exactly(int version) {
            return new Options(version, version);
        }
    }

    /** Most chunks an external file may have: composefs keeps its null chunk index in one block. */
    static final int MAX_NONINLINE_CHUNKS = 1024;
    private static final int XATTR_FILTER_BITS = 32;

    private static final byte[] TRUSTED_OVERLAY = Bytes.of("trusted.overlay.");
    private static final byte[] TRUSTED_OVERLAY_ESCAPED = Bytes.of("trusted.overlay.overlay.");
    private static final byte[][] XATTR_PREFIXES = {
        Bytes.of("user."), Bytes.of("system.posix_acl_access"), Bytes.of("system.posix_acl_default"),
        Bytes.of("trusted."), Bytes.of("security.")
    };
    private static final int[] XATTR_PREFIX_INDEX = {1, 2, 3, 4, 6};

    private final int version;
    private final List<WNode> inodes = new ArrayList<>();
    private long minMtimeSec;
    private int minMtimeNsec;
    private boolean hasAcl;
    private final List<WXattr> sharedXattrs = new ArrayList<>();
    private long sharedXattrSize;
    private long inodesEnd;
    private long dataBlocks;

    static long roundUp(long v, long align) {
        return (v + align - 1) / align * align;
    }

    private ComposefsImageWriter(int version) {
        this.version = version;
    }

    /** Writes the image of {@code root} to {@code out} (not closed). */
    public static void write(Directory root, Options options, OutputStream out) throws IOException {
        int version = chooseVersion(root, options);
        ComposefsImageWriter w = new ComposefsImageWriter(version);
        WNode top = w.prepare(root);
        w.computeTree(top);
        w.computeSharedXattrs();
        w.computeInodes();
        w.emit(top, new ImageSink(out));
    }

    public static byte[] toBytes(Directory root, Options options) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        write(root, options, buf);
        return buf.toByteArray();
    }

    /** The format version the image will have: the minimum, raised to 1 if whiteouts need it. */
    public static int chooseVersion(Directory root, Options options) throws ImageWriteException {
        if (options.minVersion() < 0 || options.minVersion() > Options.VERSION_MAX
                || options.maxVersion() < 0 || options.maxVersion() > Options.VERSION_MAX) {
            throw new ImageWriteException("unsupported format version (min " + options.minVersion() + ", max "
                    + options.maxVersion() + "); cfsj writes versions 0 to " + Options.VERSION_MAX);
        }
        int max = Math.max(options.maxVersion(), options.minVersion());
        int version = options.minVersion();
        // Version 1 changed how whiteouts are marked; use it only where the tree has whiteouts.
        if (version < 1 && max >= 1 && hasWhiteout(root)) {
            version = 1;
        }
        return version;
    }

    private static boolean hasWhiteout(Directory root) {
        ArrayDeque<Directory> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            for (Node n : todo.pop().entries().values()) {
                if (n instanceof Device d && d.isWhiteout()) {
                    return true;
                }
                if (n instanceof Directory sub) {
                    todo.push(sub);
                }
            }
        }
        return false;
    }

    // ---- the writer's own copy of the tree -------------------------------------------------

    /** An xattr as the writer handles it: renamed, sorted, shared or inline. */
    private static final class WXattr {
        final byte[] name;
        final byte[] value;
        long sharedOffset = -1;

        WXattr(byte[] name, byte[] value) {
            this.name = name;
            this.value = value;
        }

        int prefixIndex() {
            for (int i = 0; i < XATTR_PREFIXES.length; i++) {
                if (Bytes.startsWith(name, XATTR_PREFIXES[i])) {
                    return i;
                }
            }
            return -1;
        }

        int index() {
            int p = prefixIndex();
            return p < 0 ? 0 : XATTR_PREFIX_INDEX[p];
        }

        byte[] suffix() {
            int p = prefixIndex();
            return p < 0 ? name : Arrays.copyOfRange(name, XATTR_PREFIXES[p].length, name.length);
        }

        int entrySize() {
            return (int) roundUp(ErofsLayout.XATTR_ENTRY_HEADER_SIZE + suffix().length + value.length, 4);
        }
    }

    private record WDirent(byte[] name, WNode target, boolean primary) {}

    /** One inode: a copy of the model's metadata plus its planned layout. */
    private static final class WNode {
        int mode;
        int uid;
        int gid;
        int nlink;
        long size;
        long mtimeSec;
        int mtimeNsec;
        long rdev;
        byte[] content;
        byte[] payload;
        byte[] digest;
        final List<WXattr> xattrs = new ArrayList<>();
        WNode parent;
        List<WDirent> dirents; // directories only, sorted, with "." and ".."

        int inodeNum;
        long nid;
        long nBlocks;
        int tailSize;
        boolean compact;
        long ipad;
        long isize;
        int xattrSize;

        int type() {
            return mode & Node.S_IFMT;
        }

        boolean isDir() {
            return type() == Node.S_IFDIR;
        }

        boolean external() {
            return type() == Node.S_IFREG && size > 0 && content == null;
        }

        WXattr xattr(byte[] name) {
            for (WXattr x : xattrs) {
                if (Arrays.equals(x.name, name)) {
                    return x;
                }
            }
            return null;
        }

        void setXattr(String name, byte[] value) {
            byte[] key = Bytes.of(name);
            xattrs.removeIf(x -> Arrays.equals(x.name, key));
            xattrs.add(new WXattr(key, value));
        }
    }

    private WNode prepare(Directory root) throws ImageWriteException {
        Hardlinks links = Hardlinks.of(root);
        IdentityHashMap<Node, WNode> copies = new IdentityHashMap<>();
        WNode top = copy(root, copies);
        top.parent = top;
        link(root, top, links, copies);
        rewrite(top);
        top.setXattr("trusted.overlay.opaque", Bytes.of("y"));
        addRootWhiteouts(top);
        return top;
    }

    private static WNode copy(Node n, IdentityHashMap<Node, WNode> copies) {
        WNode w = copies.get(n);
        if (w != null) {
            return w;
        }
        w = new WNode();
        var m = n.meta();
        w.mode = n.mode();
        w.uid = m.uid();
        w.gid = m.gid();
        w.nlink = m.nlink();
        w.mtimeSec = m.mtimeSec();
        w.mtimeNsec = m.mtimeNsec();
        for (Xattr x : m.xattrs()) {
            w.xattrs.add(new WXattr(x.name(), x.value()));
        }
        switch (n) {
            case RegularFile f -> {
                w.size = f.size();
                w.content = f.size() > 0 ? f.content() : null;
                w.payload = f.payload() == null ? null : Bytes.of(f.payload());
                w.digest = f.digest();
            }
            case Symlink s -> {
                w.payload = s.target();
                w.size = s.length();
            }
            case Device d -> w.rdev = d.rdev();
            case Directory d -> w.dirents = new ArrayList<>();
            default -> {}
        }
        copies.put(n, w);
        return w;
    }

    /** A directory of the model and its copy, whose dirents are still to be made. */
    private record Pending(Directory dir, WNode copy) {}

    /** Gives each copied directory its dirents (a worklist: the result depends on no order). */
    private void link(Directory root, WNode wroot, Hardlinks links, IdentityHashMap<Node, WNode> copies) {
        ArrayDeque<Pending> todo = new ArrayDeque<>();
        todo.push(new Pending(root, wroot));
        while (!todo.isEmpty()) {
            Pending p = todo.pop();
            for (Map.Entry<byte[], Node> e : p.dir().entries().entrySet()) {
                Node child = e.getValue();
                boolean primary = links.isPrimary(p.dir(), e.getKey(), child);
                WNode wc = copy(child, copies);
                p.copy().dirents.add(new WDirent(e.getKey(), wc, primary));
                if (primary) {
                    wc.parent = p.copy();
                    if (child instanceof Directory d) {
                        todo.push(new Pending(d, wc));
                    }
                }
            }
        }
    }

    /**
     * The composefs rewrites of every inode, each directory before its entries (a whiteout marks
     * its parent with xattrs that the parent's own escaping must not touch again). Depth first in
     * dirent order with an explicit stack, so that the depth of a tree is limited by memory only.
     */
    private void rewrite(WNode top) throws ImageWriteException {
        ArrayDeque<Iterator<WDirent>> stack = new ArrayDeque<>();
        rewriteNode(top);
        stack.push(top.dirents.iterator());
        while (!stack.isEmpty()) {
            Iterator<WDirent> it = stack.peek();
            if (!it.hasNext()) {
                stack.pop();
                continue;
            }
            WDirent d = it.next();
            if (d.primary) {
                rewriteNode(d.target);
                if (d.target.isDir()) {
                    stack.push(d.target.dirents.iterator());
                }
            }
        }
    }

    /** One inode's rewrites: escaped overlay xattrs, metacopy/redirect, whiteouts, "." and "..". */
    private void rewriteNode(WNode node) throws ImageWriteException {
        if (node.external() && chunking(node.size).count > MAX_NONINLINE_CHUNKS) {
            throw new ImageWriteException("file of " + Long.toUnsignedString(node.size)
                    + " bytes is too big for a composefs image (at most " + MAX_NONINLINE_CHUNKS + " chunks of 8 TiB)");
        }
        for (WXattr x : new ArrayList<>(node.xattrs)) {
            if (Bytes.startsWith(x.name, TRUSTED_OVERLAY)) {
                byte[] renamed = new byte[x.name.length + 8];
                System.arraycopy(TRUSTED_OVERLAY_ESCAPED, 0, renamed, 0, TRUSTED_OVERLAY_ESCAPED.length);
                System.arraycopy(x.name, TRUSTED_OVERLAY.length, renamed, TRUSTED_OVERLAY_ESCAPED.length,
                        x.name.length - TRUSTED_OVERLAY.length);
                node.xattrs.set(node.xattrs.indexOf(x), new WXattr(renamed, x.value));
            }
        }
        if (node.external()) {
            byte[] metacopy = new byte[0];
            if (node.digest != null) {
                metacopy = new byte[4 + 32];
                metacopy[1] = (byte) metacopy.length;
                metacopy[3] = 1; // FS_VERITY_HASH_ALG_SHA256
                System.arraycopy(node.digest, 0, metacopy, 4, 32);
            }
            node.setXattr("trusted.overlay.metacopy", metacopy);
            if (node.payload != null && node.payload.length > 0) {
                byte[] redirect = new byte[node.payload.length + 1];
                redirect[0] = '/';
                System.arraycopy(node.payload, 0, redirect, 1, node.payload.length);
                node.setXattr("trusted.overlay.redirect", redirect);
            }
        }
        if (node.type() == Node.S_IFCHR && node.rdev == 0) {
            // A whiteout in the tree must not act as one for the composefs overlay mount: store it
            // as an escaped regular file, and mark its directory.
            node.size = 0;
            node.mode = Node.S_IFREG | (node.mode & ~Node.S_IFMT);
            node.setXattr("trusted.overlay.overlay.whiteout", new byte[0]);
            node.setXattr("user.overlay.whiteout", new byte[0]);
            WNode parent = node.parent;
            parent.setXattr("trusted.overlay.overlay.whiteouts", new byte[0]);
            parent.setXattr("user.overlay.whiteouts", new byte[0]);
            if (version >= 1) {
                parent.setXattr("trusted.overlay.overlay.opaque", Bytes.of("x"));
                parent.setXattr("user.overlay.opaque", Bytes.of("x"));
            }
        }
        if (node.isDir()) {
            node.dirents.add(new WDirent(Bytes.of("."), node, false));
            node.dirents.add(new WDirent(Bytes.of(".."), node.parent, false));
            node.dirents.sort((a, b) -> Bytes.ORDER.compare(a.name, b.name));
        }
    }

    /**
     * The 256 whiteouts 00..ff in the root hide the object directory's xx/ subdirectories, which
     * the kernel composefs mount stacks below the image as a data-only layer.
     */
    private static void addRootWhiteouts(WNode root) {
        WXattr selinux = root.xattr(Bytes.of("security.selinux"));
        HashMap<String, Boolean> present = new HashMap<>();
        for (WDirent d : root.dirents) {
            present.put(Bytes.str(d.name), true);
        }
        for (int i = 0; i < 256; i++) {
            String name = String.format("%02x", i);
            if (present.containsKey(name)) {
                continue;
            }
            WNode w = new WNode();
            w.mode = Node.S_IFCHR | 0644;
            w.nlink = 1;
            w.uid = root.uid;
            w.gid = root.gid;
            w.mtimeSec = root.mtimeSec;
            w.mtimeNsec = root.mtimeNsec;
            w.parent = root;
            if (selinux != null) {
                w.xattrs.add(new WXattr(selinux.name, selinux.value));
            }
            root.dirents.add(new WDirent(Bytes.of(name), w, true));
        }
        root.dirents.sort((a, b) -> Bytes.ORDER.compare(a.name, b.name));
    }

    // ---- planning ---------------------------------------------------------------------------

    /** Breadth-first inode order, directory link counts, canonical xattr order, minimum mtime. */
    private void computeTree(WNode root) {
        minMtimeSec = root.mtimeSec;
        minMtimeNsec = root.mtimeNsec;
        ArrayDeque<WNode> queue = new ArrayDeque<>();
        queue.add(root);
        int index = 0;
        while (!queue.isEmpty()) {
            WNode node = queue.poll();
            if (node.isDir()) {
                int n = 2;
                for (WDirent d : node.dirents) {
                    if (d.primary && d.target.isDir()) {
                        n++;
                    }
                }
                node.nlink = n;
            }
            node.xattrs.sort((a, b) -> Bytes.ORDER.compare(a.name, b.name));
            if (node.mtimeSec < minMtimeSec || (node.mtimeSec == minMtimeSec
                    && Integer.compareUnsigned(node.mtimeNsec, minMtimeNsec) < 0)) {
                minMtimeSec = node.mtimeSec;
                minMtimeNsec = node.mtimeNsec;
            }
            node.inodeNum = index++;
            if (node.xattr(Bytes.of("system.posix_acl_access")) != null
                    || node.xattr(Bytes.of("system.posix_acl_default")) != null) {
                hasAcl = true;
            }
            inodes.add(node);
            if (node.isDir()) {
                for (WDirent d : node.dirents) {
                    if (d.primary) {
                        queue.add(d.target);
                    }
                }
            }
        }
    }

    private record XattrKey(byte[] name, byte[] value) {
        @Override
        public boolean equals(Object o) {
            return o instanceof XattrKey k && Arrays.equals(name, k.name) && Arrays.equals(value, k.value);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(name) * 31 + Arrays.hashCode(value);
        }
    }

    /** Xattrs (name and value) used by more than one inode are stored once, in the shared area. */
    private void computeSharedXattrs() {
        HashMap<XattrKey, int[]> counts = new HashMap<>();
        HashMap<XattrKey, WXattr> first = new HashMap<>();
        for (WNode n : inodes) {
            for (WXattr x : n.xattrs) {
                XattrKey k = new XattrKey(x.name, x.value);
                counts.computeIfAbsent(k, key -> new int[1])[0]++;
                first.putIfAbsent(k, x);
            }
        }
        // composefs's canonical order: descending by name, then by value length, then value bytes.
        // Only shared ones get offsets, so only they need sorting (most xattrs, like each file's
        // metacopy digest, are unique).
        List<XattrKey> keys = new ArrayList<>();
        counts.forEach((k, c) -> {
            if (c[0] > 1) {
                keys.add(k);
            }
        });
        keys.sort((a, b) -> {
            int c = Bytes.ORDER.compare(b.name, a.name);
            if (c != 0) {
                return c;
            }
            if (a.value.length != b.value.length) {
                return b.value.length - a.value.length;
            }
            return Bytes.ORDER.compare(b.value, a.value);
        });
        HashMap<XattrKey, Long> offsets = new HashMap<>();
        long offset = 0;
        for (XattrKey k : keys) {
            offsets.put(k, offset);
            WXattr x = first.get(k);
            sharedXattrs.add(x);
            offset += x.entrySize();
        }
        sharedXattrSize = offset;
        for (WNode n : inodes) {
            int shared = 0;
            for (WXattr x : n.xattrs) {
                Long off = offsets.get(new XattrKey(x.name, x.value));
                if (off != null && shared < ErofsLayout.XATTR_LONG_PREFIX) {
                    x.sharedOffset = off;
                    shared++;
                } else {
                    x.sharedOffset = -1;
                }
            }
        }
    }

    private record Chunking(int bits, long count) {}

    /** Fewest chunks that cover the file, each at least a block and at most 2^(12+31) bytes. */
    private static Chunking chunking(long size) {
        int bits = 64 - Long.numberOfLeadingZeros(size - 1); // ilog2(size - 1) + 1
        bits = Math.max(bits, ErofsLayout.BLOCK_BITS);
        bits = Math.min(bits, ErofsLayout.CHUNK_FORMAT_BLKBITS_MASK + ErofsLayout.BLOCK_BITS);
        long chunk = 1L << bits;
        long count = Long.divideUnsigned(size, chunk) + (Long.remainderUnsigned(size, chunk) != 0 ? 1 : 0);
        return new Chunking(bits, count);
    }

    private static void computeDirSize(WNode node) {
        long blocks = 0;
        int blockSize = 0;
        for (WDirent d : node.dirents) {
            int len = ErofsLayout.DIRENT_SIZE + d.name.length;
            if (blockSize + len > ErofsLayout.BLOCK_SIZE) {
                blocks++;
                blockSize = 0;
            }
            blockSize += len;
        }
        // Never inline more than half a block of dirents.
        if (blockSize > ErofsLayout.BLOCK_SIZE / 2) {
            blocks++;
            blockSize = 0;
        }
        node.nBlocks = blocks;
        node.tailSize = blockSize;
    }

    private static void computeInodeSize(WNode node) {
        switch (node.type()) {
            case Node.S_IFDIR -> computeDirSize(node);
            case Node.S_IFLNK -> {
                node.nBlocks = 0;
                node.tailSize = node.payload.length;
            }
            case Node.S_IFREG -> {
                if (node.size == 0) {
                    node.nBlocks = 0;
                    node.tailSize = 0;
                } else if (node.content != null) {
                    node.nBlocks = node.size / ErofsLayout.BLOCK_SIZE;
                    node.tailSize = (int) (node.size % ErofsLayout.BLOCK_SIZE);
                    if (node.tailSize > ErofsLayout.BLOCK_SIZE / 2) {
                        node.nBlocks++;
                        node.tailSize = 0;
                    }
                } else {
                    node.nBlocks = 0;
                    node.tailSize = (int) chunking(node.size).count * 4;
                }
            }
            default -> {
                node.nBlocks = 0;
                node.tailSize = 0;
            }
        }
    }

    private long inodeDataSize(WNode node) {
        return node.isDir() ? node.nBlocks * ErofsLayout.BLOCK_SIZE + node.tailSize : node.size;
    }

    private boolean fitsCompact(WNode node) {
        return node.mtimeSec == minMtimeSec && node.mtimeNsec == minMtimeNsec
                && Integer.toUnsignedLong(node.nlink) <= 0xffff
                && Integer.toUnsignedLong(node.uid) <= 0xffff
                && Integer.toUnsignedLong(node.gid) <= 0xffff
                && Long.compareUnsigned(inodeDataSize(node), 0xffffffffL) <= 0;
    }

    private static int xattrIbodySize(WNode node) {
        int shared = 0;
        int unshared = 0;
        for (WXattr x : node.xattrs) {
            if (x.sharedOffset >= 0) {
                shared++;
            } else {
                unshared += x.entrySize();
            }
        }
        if (shared == 0 && unshared == 0) {
            return 0;
        }
        return (int) roundUp(ErofsLayout.XATTR_IBODY_HEADER_SIZE + shared * 4L + unshared, 4);
    }

    /**
     * Padding in front of an inode so that its inline tail does not cross a block boundary; may
     * instead move the tail out of line (into a data block), exactly as composefs decides it.
     */
    private static long tailPadding(WNode node, long pos, int inodeSize, int xattrSize) {
        long nonTail = inodeSize + xattrSize;
        long total = nonTail + node.tailSize;
        if (node.type() == Node.S_IFLNK) {
            // A symlink's inode and target stay in one block, unless together they exceed one.
            long posBlock = pos / ErofsLayout.BLOCK_SIZE;
            long endBlock = (pos + total - 1) / ErofsLayout.BLOCK_SIZE;
            if (total / ErofsLayout.BLOCK_SIZE > 0) {
                node.nBlocks++;
                node.tailSize = 0;
            }
            return posBlock != endBlock ? roundUp(pos, ErofsLayout.BLOCK_SIZE) - pos : 0;
        }
        long remainder = ErofsLayout.BLOCK_SIZE - ((pos + nonTail) % ErofsLayout.BLOCK_SIZE);
        if (remainder < node.tailSize) {
            long pad = roundUp(remainder, ErofsLayout.SLOT_SIZE);
            remainder = ErofsLayout.BLOCK_SIZE - ((pos + nonTail + pad) % ErofsLayout.BLOCK_SIZE);
            if (node.tailSize <= remainder) {
                return pad;
            }
            node.nBlocks++;
            node.tailSize = 0;
            return roundUp(pos, ErofsLayout.BLOCK_SIZE) - pos;
        }
        return 0;
    }

    private void computeInodes() throws ImageWriteException {
        long pos = ErofsLayout.SUPERBLOCK_OFFSET + ErofsLayout.SUPERBLOCK_SIZE;
        long metaStart = pos / ErofsLayout.BLOCK_SIZE * ErofsLayout.BLOCK_SIZE;
        for (WNode node : inodes) {
            computeInodeSize(node);
            node.compact = fitsCompact(node);
            int inodeSize = node.compact ? ErofsLayout.INODE_COMPACT_SIZE : ErofsLayout.INODE_EXTENDED_SIZE;
            node.xattrSize = xattrIbodySize(node);
            long ppos = pos;
            pos = roundUp(pos, ErofsLayout.SLOT_SIZE);
            node.ipad = pos - ppos;
            long extra = tailPadding(node, pos, inodeSize, node.xattrSize);
            node.ipad += extra;
            pos += extra;
            node.isize = inodeSize + node.xattrSize + node.tailSize;
            dataBlocks += node.nBlocks;
            node.nid = (pos - metaStart) / ErofsLayout.SLOT_SIZE;
            pos += node.isize;
        }
        inodesEnd = roundUp(pos, ErofsLayout.SLOT_SIZE);
        if (inodes.get(0).nid >= 0xffff) {
            throw new ImageWriteException("root inode does not fit the superblock's 16-bit root nid");
        }
        if (roundUp(inodesEnd + sharedXattrSize, ErofsLayout.BLOCK_SIZE) / ErofsLayout.BLOCK_SIZE + dataBlocks > 0xffffffffL) {
            throw new ImageWriteException("image would exceed 2^32 blocks");
        }
    }

    // ---- writing ----------------------------------------------------------------------------

    private void emit(WNode root, ImageSink out) throws IOException {
        out.le32(ErofsLayout.COMPOSEFS_MAGIC);
        out.le32(ErofsLayout.COMPOSEFS_VERSION);
        out.le32(hasAcl ? ErofsLayout.COMPOSEFS_FLAGS_HAS_ACL : 0);
        out.le32(version);
        out.zeros(ErofsLayout.SUPERBLOCK_OFFSET - 16);

        long dataStart = roundUp(inodesEnd + sharedXattrSize, ErofsLayout.BLOCK_SIZE);
        out.le32(ErofsLayout.EROFS_MAGIC);
        out.le32(0); // checksum (feature not used)
        out.le32(ErofsLayout.FEATURE_COMPAT_MTIME | ErofsLayout.FEATURE_COMPAT_XATTR_FILTER);
        out.u8(ErofsLayout.BLOCK_BITS);
        out.u8(0); // sb_extslots
        out.le16((int) root.nid);
        out.le64(inodes.size());
        out.le64(minMtimeSec); // build_time: compact inodes take their mtime from it
        out.le32(minMtimeNsec);
        out.le32(dataStart / ErofsLayout.BLOCK_SIZE + dataBlocks);
        out.le32((ErofsLayout.SUPERBLOCK_OFFSET + ErofsLayout.SUPERBLOCK_SIZE) / ErofsLayout.BLOCK_SIZE); // meta_blkaddr
        out.le32(inodesEnd / ErofsLayout.BLOCK_SIZE); // xattr_blkaddr
        out.zeros(ErofsLayout.SUPERBLOCK_SIZE - 48); // uuid, volume name, incompat features, ... all zero

        long[] nextBlock = {dataStart};
        for (WNode node : inodes) {
            writeInode(node, out, nextBlock);
        }
        out.align(ErofsLayout.SLOT_SIZE);
        check(out.position() == inodesEnd, "inode area");
        for (WXattr x : sharedXattrs) {
            writeXattr(x, out);
        }
        check(out.position() == inodesEnd + sharedXattrSize, "shared xattrs");
        out.align(ErofsLayout.BLOCK_SIZE);
        check(out.position() == dataStart, "data start");
        for (WNode node : inodes) {
            writeDirentBlocks(node, out);
            writeDataBlocks(node, out);
        }
        check(out.position() == dataStart + dataBlocks * ErofsLayout.BLOCK_SIZE, "data blocks");
        out.flush();
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("composefs writer: layout of " + what + " differs from its plan");
        }
    }

    private void writeInode(WNode node, ImageSink out, long[] nextBlock) throws IOException {
        out.zeros(node.ipad);
        long start = out.position();
        int xattrIcount = node.xattrSize == 0 ? 0 : (node.xattrSize - ErofsLayout.XATTR_IBODY_HEADER_SIZE) / 4 + 1;
        if (xattrIcount > 0xffff) {
            throw new ImageWriteException("too many xattrs on one inode");
        }
        int layout = node.tailSize > 0 ? ErofsLayout.LAYOUT_FLAT_INLINE : ErofsLayout.LAYOUT_FLAT_PLAIN;
        long size;
        int chunkFormat = 0;
        long chunkCount = 0;
        switch (node.type()) {
            case Node.S_IFDIR -> size = node.nBlocks * ErofsLayout.BLOCK_SIZE + node.tailSize;
            case Node.S_IFREG -> {
                size = node.size;
                if (node.external()) {
                    Chunking c = chunking(node.size);
                    chunkCount = c.count;
                    layout = ErofsLayout.LAYOUT_CHUNK_BASED;
                    chunkFormat = c.bits - ErofsLayout.BLOCK_BITS;
                }
            }
            case Node.S_IFLNK -> size = node.nBlocks == 0 ? node.tailSize : node.size;
            default -> size = 0;
        }
        int format = layout << 1 | (node.compact ? 0 : 1);

        // i_u: raw block address, rdev, or chunk format. composefs writes the block address and
        // then the 16-bit chunk format over its low half; keep that for identical bytes.
        long iu = 0;
        int type = node.type();
        if (type == Node.S_IFCHR || type == Node.S_IFBLK) {
            iu = node.rdev & 0xffffffffL;
        } else if (type == Node.S_IFDIR || type == Node.S_IFREG || type == Node.S_IFLNK) {
            if (node.nBlocks > 0) {
                iu = (nextBlock[0] / ErofsLayout.BLOCK_SIZE) & 0xffffffffL;
                nextBlock[0] += node.nBlocks * ErofsLayout.BLOCK_SIZE;
            }
            if (layout == ErofsLayout.LAYOUT_CHUNK_BASED) {
                iu = (iu & 0xffff0000L) | chunkFormat;
            }
        }

        if (node.compact) {
            out.le16(format);
            out.le16(xattrIcount);
            out.le16(node.mode);
            out.le16(node.nlink);
            out.le32(size);
            out.le32(0);
            out.le32(iu);
            out.le32(node.inodeNum);
            out.le16(node.uid);
            out.le16(node.gid);
            out.le32(0);
        } else {
            out.le16(format);
            out.le16(xattrIcount);
            out.le16(node.mode);
            out.le16(0);
            out.le64(size);
            out.le32(iu);
            out.le32(node.inodeNum);
            out.le32(node.uid);
            out.le32(node.gid);
            out.le64(node.mtimeSec);
            out.le32(node.mtimeNsec);
            out.le32(node.nlink);
            out.zeros(16);
        }

        if (node.xattrSize > 0) {
            long xstart = out.position();
            int shared = 0;
            for (WXattr x : node.xattrs) {
                if (x.sharedOffset >= 0) {
                    shared++;
                }
            }
            out.le32(nameFilter(node));
            out.u8(shared);
            out.zeros(7);
            for (WXattr x : node.xattrs) {
                if (x.sharedOffset >= 0) {
                    out.le32((inodesEnd % ErofsLayout.BLOCK_SIZE + x.sharedOffset) / 4);
                }
            }
            for (WXattr x : node.xattrs) {
                if (x.sharedOffset < 0) {
                    writeXattr(x, out);
                }
            }
            out.align(4);
            check(out.position() - xstart == node.xattrSize, "xattrs of inode " + node.inodeNum);
        }

        switch (node.type()) {
            case Node.S_IFDIR -> writeDirents(node, out, false, true);
            case Node.S_IFLNK -> {
                if (node.nBlocks == 0) {
                    out.bytes(node.payload);
                }
            }
            case Node.S_IFREG -> {
                if (node.tailSize > 0) {
                    if (node.content != null) {
                        out.bytes(node.content, (int) (node.size - node.tailSize), node.tailSize);
                    } else {
                        nullChunks(out, chunkCount);
                    }
                }
            }
            default -> {}
        }
        check(out.position() - start == node.isize, "inode " + node.inodeNum);
    }

    /** Bloom filter of the xattr names present (a set bit means "absent"), as the kernel reads it. */
    private static int nameFilter(WNode node) {
        int bits = 0;
        for (WXattr x : node.xattrs) {
            int h = XxHash32.hash(x.suffix(), ErofsLayout.XATTR_FILTER_SEED + x.index());
            bits |= 1 << (h & (XATTR_FILTER_BITS - 1));
        }
        return ~bits;
    }

    private static void writeXattr(WXattr x, ImageSink out) throws IOException {
        byte[] suffix = x.suffix();
        out.u8(suffix.length);
        out.u8(x.index());
        out.le16(x.value.length);
        out.bytes(suffix);
        out.bytes(x.value);
        out.align(4);
    }

    private static void nullChunks(ImageSink out, long count) throws IOException {
        for (long i = 0; i < count; i++) {
            out.le32(ErofsLayout.NULL_ADDR);
        }
    }

    /** Dirents in blocks of 4 KiB; the last partial block is either inline (the tail) or a block. */
    private static void writeDirents(WNode node, ImageSink out, boolean blocks, boolean tail) throws IOException {
        List<WDirent> ds = node.dirents;
        int blockSize = 0;
        long written = 0;
        int first = 0;
        for (int i = 0; i < ds.size(); i++) {
            int len = ErofsLayout.DIRENT_SIZE + ds.get(i).name.length;
            if (blockSize + len > ErofsLayout.BLOCK_SIZE) {
                if (blocks) {
                    direntChunk(ds, first, i, out, ErofsLayout.BLOCK_SIZE);
                }
                written++;
                blockSize = 0;
                first = i;
            }
            blockSize += len;
        }
        if (written < node.nBlocks) {
            if (blocks) {
                direntChunk(ds, first, ds.size(), out, ErofsLayout.BLOCK_SIZE);
            }
            blockSize = 0;
            first = ds.size();
        }
        if (tail && blockSize > 0) {
            direntChunk(ds, first, ds.size(), out, 1);
        }
    }

    private static void direntChunk(List<WDirent> ds, int from, int to, ImageSink out, int alignment) throws IOException {
        int nameoff = (to - from) * ErofsLayout.DIRENT_SIZE;
        for (int i = from; i < to; i++) {
            WDirent d = ds.get(i);
            out.le64(d.target.nid);
            out.le16(nameoff);
            out.u8(ErofsLayout.fileTypeOf(d.target.mode));
            out.u8(0);
            nameoff += d.name.length;
        }
        for (int i = from; i < to; i++) {
            out.bytes(ds.get(i).name);
        }
        out.align(alignment);
    }

    private static void writeDirentBlocks(WNode node, ImageSink out) throws IOException {
        if (node.isDir()) {
            writeDirents(node, out, true, false);
        }
    }

    /** Out-of-line data: inline-content files and symlinks too big for a tail, null chunk indexes. */
    private static void writeDataBlocks(WNode node, ImageSink out) throws IOException {
        if (node.nBlocks == 0) {
            return;
        }
        byte[] data;
        if (node.type() == Node.S_IFREG) {
            if (node.content == null) {
                nullChunks(out, MAX_NONINLINE_CHUNKS);
                return;
            }
            data = node.content;
        } else if (node.type() == Node.S_IFLNK) {
            data = node.payload;
        } else {
            return;
        }
        for (long i = 0; i < node.nBlocks; i++) {
            long off = i * ErofsLayout.BLOCK_SIZE;
            int len = (int) Math.max(0, Math.min(data.length - off, ErofsLayout.BLOCK_SIZE));
            out.bytes(data, (int) Math.min(off, data.length), len);
            out.align(ErofsLayout.BLOCK_SIZE);
        }
    }
}
