package org.cfsj.erofs.write;

import java.util.ArrayDeque;
import java.util.Iterator;
import org.cfsj.erofs.OverlayXattrs;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Node;

/**
 * Applies composefs's rules to a {@link WriterTree}, in place. Files with content keep it inline;
 * the others become overlayfs metacopy files redirecting to their backing objects; whiteouts are
 * escaped; a file's own {@code trusted.overlay.*} xattrs are escaped; the root is opaque and gets
 * the 256 whiteouts that hide the object directory's subdirectories; every directory gets "." and
 * ".." and sorted entries. Overlay xattr names and encodings are {@link OverlayXattrs}'s.
 */
final class ComposefsRules {
    private static final byte[] OPAQUE = Bytes.of(OverlayXattrs.OPAQUE);
    private static final byte[] METACOPY = Bytes.of(OverlayXattrs.METACOPY);
    private static final byte[] REDIRECT = Bytes.of(OverlayXattrs.REDIRECT);
    private static final byte[] ESCAPED_WHITEOUT = Bytes.of(OverlayXattrs.ESCAPED_WHITEOUT);
    private static final byte[] USER_WHITEOUT = Bytes.of(OverlayXattrs.USER_WHITEOUT);
    private static final byte[] ESCAPED_WHITEOUTS = Bytes.of(OverlayXattrs.ESCAPED_WHITEOUTS);
    private static final byte[] USER_WHITEOUTS = Bytes.of(OverlayXattrs.USER_WHITEOUTS);
    private static final byte[] ESCAPED_OPAQUE = Bytes.of(OverlayXattrs.ESCAPED_OPAQUE);
    private static final byte[] USER_OPAQUE = Bytes.of(OverlayXattrs.USER_OPAQUE);
    private static final byte[] SELINUX = Bytes.of("security.selinux");
    private static final byte[] EMPTY = new byte[0];
    private static final byte[] DOT = Bytes.of(".");
    private static final byte[] DOTDOT = Bytes.of("..");

    private final WriterTree tree;
    private final int version;

    private ComposefsRules(WriterTree tree, int version) {
        this.tree = tree;
        this.version = version;
    }

    /** The format version the image will have: the minimum, raised to 1 if whiteouts need it. */
    static int chooseVersion(boolean hasWhiteout, ComposefsImageWriter.Options options) throws ImageWriteException {
        int versionMax = ComposefsImageWriter.Options.VERSION_MAX;
        if (options.minVersion() < 0 || options.minVersion() > versionMax
                || options.maxVersion() < 0 || options.maxVersion() > versionMax) {
            throw new ImageWriteException("unsupported format version (min " + options.minVersion() + ", max "
                    + options.maxVersion() + "); cfsj writes versions 0 to " + versionMax);
        }
        int max = Math.max(options.maxVersion(), options.minVersion());
        int version = options.minVersion();
        // Version 1 changed how whiteouts are marked; use it only where the tree has whiteouts.
        if (version < 1 && max >= 1 && hasWhiteout) {
            version = 1;
        }
        return version;
    }

    /** Rewrites {@code tree} into the image's inodes in format {@code version}; returns the root. */
    static WriterNode apply(WriterTree tree, int version) throws ImageWriteException {
        tree.markWritten();
        WriterNode top = tree.root();
        ComposefsRules rules = new ComposefsRules(tree, version);
        rules.rewrite(top);
        tree.setXattr(top, OPAQUE, Bytes.of("y"));
        rules.addRootWhiteouts(top);
        return top;
    }

    /**
     * The composefs rewrites of every inode, each directory before its entries (a whiteout marks
     * its parent with xattrs that the parent's own escaping must not touch again). Depth first in
     * dirent order with an explicit stack, so that the depth of a tree is limited by memory only.
     */
    private void rewrite(WriterNode top) throws ImageWriteException {
        ArrayDeque<Iterator<WriterNode.Entry>> stack = new ArrayDeque<>();
        rewriteNode(top);
        stack.push(top.dirents.iterator());
        while (!stack.isEmpty()) {
            Iterator<WriterNode.Entry> it = stack.peek();
            if (!it.hasNext()) {
                stack.pop();
                continue;
            }
            WriterNode.Entry d = it.next();
            if (d.primary()) {
                rewriteNode(d.target());
                if (d.target().isDir()) {
                    stack.push(d.target().dirents.iterator());
                }
            }
        }
    }

    /** One inode's rewrites: escaped overlay xattrs, metacopy/redirect, whiteouts, "." and "..". */
    private void rewriteNode(WriterNode node) throws ImageWriteException {
        if (node.external()) {
            node.chunking = Chunking.of(node.size);
        }
        if (node.external() && node.chunking.count() > Chunking.MAX_NONINLINE_CHUNKS) {
            throw new ImageWriteException("file of " + Long.toUnsignedString(node.size) + " bytes is too big for a"
                    + " composefs image (at most " + Chunking.MAX_NONINLINE_CHUNKS + " chunks of 8 TiB)");
        }
        for (int i = 0; i < node.xattrCount; i++) {
            WriterXattr x = node.xattrs[i];
            byte[] stored = OverlayXattrs.escape(x.name);
            if (stored != x.name) {
                node.xattrs[i] = tree.intern(stored, x.value);
            }
        }
        if (node.external()) {
            tree.setXattr(node, METACOPY, OverlayXattrs.metacopy(node.digest));
            if (node.payload != null && node.payload.length > 0) {
                tree.setXattr(node, REDIRECT, OverlayXattrs.redirect(node.payload));
            }
        }
        if (node.type() == Node.S_IFCHR && node.rdev == 0) {
            // A whiteout in the tree must not act as one for the composefs overlay mount: store it
            // as an escaped regular file, and mark its directory.
            node.size = 0;
            node.mode = Node.S_IFREG | (node.mode & ~Node.S_IFMT);
            tree.setXattr(node, ESCAPED_WHITEOUT, EMPTY);
            tree.setXattr(node, USER_WHITEOUT, EMPTY);
            WriterNode parent = node.parent;
            tree.setXattr(parent, ESCAPED_WHITEOUTS, EMPTY);
            tree.setXattr(parent, USER_WHITEOUTS, EMPTY);
            if (version >= 1) {
                tree.setXattr(parent, ESCAPED_OPAQUE, Bytes.of("x"));
                tree.setXattr(parent, USER_OPAQUE, Bytes.of("x"));
            }
        }
        if (node.isDir()) {
            node.dirents.add(new WriterNode.Entry(DOT, node, false));
            node.dirents.add(new WriterNode.Entry(DOTDOT, node.parent, false));
            node.dirents.sort(BY_NAME);
        }
    }

    /**
     * The 256 whiteouts 00..ff in the root hide the object directory's xx/ subdirectories, which
     * the kernel composefs mount stacks below the image as a data-only layer.
     */
    private void addRootWhiteouts(WriterNode root) {
        WriterXattr selinux = root.xattr(SELINUX);
        boolean[] present = new boolean[256];
        for (WriterNode.Entry d : root.dirents) {
            int b = hexByte(d.name());
            if (b >= 0) {
                present[b] = true;
            }
        }
        for (int i = 0; i < 256; i++) {
            if (present[i]) {
                continue;
            }
            WriterNode w = tree.node(Node.S_IFCHR | 0644, root.uid, root.gid, 1, root.mtimeSec, root.mtimeNsec, 0, 0,
                    null, null, null);
            if (selinux != null) {
                w.addXattr(selinux);
            }
            tree.entry(root, Bytes.of(String.format("%02x", i)), w, true);
        }
        root.dirents.sort(BY_NAME);
    }

    private static final java.util.Comparator<WriterNode.Entry> BY_NAME =
            (a, b) -> java.util.Arrays.compareUnsigned(a.name(), b.name());

    /** The byte a two-digit lower-case hex name stands for, or -1 for any other name. */
    private static int hexByte(byte[] name) {
        if (name.length != 2) {
            return -1;
        }
        int hi = lowerHex(name[0]);
        int lo = lowerHex(name[1]);
        return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
    }

    private static int lowerHex(byte c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    }
}
