package org.cfsj.erofs.write;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.cfsj.erofs.OverlayXattrs;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Hardlinks;
import org.cfsj.tree.Node;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Symlink;
import org.cfsj.tree.Xattr;

/**
 * Applies composefs's rules to a tree, giving the inodes to write (a copy: the tree is not
 * changed). Files with content keep it inline; the others become overlayfs metacopy files
 * redirecting to their backing objects; a name met again for a node already seen is a hardlink
 * (the primary name is {@link Hardlinks}'s); whiteouts are escaped; a file's own
 * {@code trusted.overlay.*} xattrs are escaped; the root is opaque and gets the 256 whiteouts that
 * hide the object directory's subdirectories; every directory gets "." and ".." and sorted
 * entries. Overlay xattr names and encodings are {@link OverlayXattrs}'s.
 */
final class ComposefsRules {
    private final int version;

    private ComposefsRules(int version) {
        this.version = version;
    }

    /** The format version the image will have: the minimum, raised to 1 if whiteouts need it. */
    static int chooseVersion(Directory root, ComposefsImageWriter.Options options) throws ImageWriteException {
        int versionMax = ComposefsImageWriter.Options.VERSION_MAX;
        if (options.minVersion() < 0 || options.minVersion() > versionMax
                || options.maxVersion() < 0 || options.maxVersion() > versionMax) {
            throw new ImageWriteException("unsupported format version (min " + options.minVersion() + ", max "
                    + options.maxVersion() + "); cfsj writes versions 0 to " + versionMax);
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

    /** The root inode of the image of {@code root} in format {@code version}, its entries linked. */
    static WriterNode apply(Directory root, int version) throws ImageWriteException {
        return new ComposefsRules(version).prepare(root);
    }

    private WriterNode prepare(Directory root) throws ImageWriteException {
        Hardlinks links = Hardlinks.of(root);
        IdentityHashMap<Node, WriterNode> copies = new IdentityHashMap<>();
        WriterNode top = copy(root, copies);
        top.parent = top;
        link(root, top, links, copies);
        rewrite(top);
        top.setXattr(OverlayXattrs.OPAQUE, Bytes.of("y"));
        addRootWhiteouts(top);
        return top;
    }

    private static WriterNode copy(Node n, IdentityHashMap<Node, WriterNode> copies) {
        WriterNode w = copies.get(n);
        if (w != null) {
            return w;
        }
        w = new WriterNode();
        var m = n.meta();
        w.mode = n.mode();
        w.uid = m.uid();
        w.gid = m.gid();
        w.nlink = m.nlink();
        w.mtimeSec = m.mtimeSec();
        w.mtimeNsec = m.mtimeNsec();
        for (Xattr x : m.xattrs()) {
            w.xattrs.add(new WriterXattr(x.name(), x.value()));
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
    private record Pending(Directory dir, WriterNode copy) {}

    /** Gives each copied directory its dirents (a worklist: the result depends on no order). */
    private static void link(Directory root, WriterNode wroot, Hardlinks links, IdentityHashMap<Node, WriterNode> copies) {
        ArrayDeque<Pending> todo = new ArrayDeque<>();
        todo.push(new Pending(root, wroot));
        while (!todo.isEmpty()) {
            Pending p = todo.pop();
            for (Map.Entry<byte[], Node> e : p.dir().entries().entrySet()) {
                Node child = e.getValue();
                boolean primary = links.isPrimary(p.dir(), e.getKey(), child);
                WriterNode wc = copy(child, copies);
                p.copy().dirents.add(new WriterNode.Entry(e.getKey(), wc, primary));
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
        if (node.external() && Chunking.of(node.size).count() > Chunking.MAX_NONINLINE_CHUNKS) {
            throw new ImageWriteException("file of " + Long.toUnsignedString(node.size) + " bytes is too big for a"
                    + " composefs image (at most " + Chunking.MAX_NONINLINE_CHUNKS + " chunks of 8 TiB)");
        }
        for (int i = 0; i < node.xattrs.size(); i++) {
            WriterXattr x = node.xattrs.get(i);
            byte[] stored = OverlayXattrs.escape(x.name);
            if (stored != x.name) {
                node.xattrs.set(i, new WriterXattr(stored, x.value));
            }
        }
        if (node.external()) {
            node.setXattr(OverlayXattrs.METACOPY, OverlayXattrs.metacopy(node.digest));
            if (node.payload != null && node.payload.length > 0) {
                node.setXattr(OverlayXattrs.REDIRECT, OverlayXattrs.redirect(node.payload));
            }
        }
        if (node.type() == Node.S_IFCHR && node.rdev == 0) {
            // A whiteout in the tree must not act as one for the composefs overlay mount: store it
            // as an escaped regular file, and mark its directory.
            node.size = 0;
            node.mode = Node.S_IFREG | (node.mode & ~Node.S_IFMT);
            node.setXattr(OverlayXattrs.ESCAPED_WHITEOUT, new byte[0]);
            node.setXattr(OverlayXattrs.USER_WHITEOUT, new byte[0]);
            WriterNode parent = node.parent;
            parent.setXattr(OverlayXattrs.ESCAPED_WHITEOUTS, new byte[0]);
            parent.setXattr(OverlayXattrs.USER_WHITEOUTS, new byte[0]);
            if (version >= 1) {
                parent.setXattr(OverlayXattrs.ESCAPED_OPAQUE, Bytes.of("x"));
                parent.setXattr(OverlayXattrs.USER_OPAQUE, Bytes.of("x"));
            }
        }
        if (node.isDir()) {
            node.dirents.add(new WriterNode.Entry(Bytes.of("."), node, false));
            node.dirents.add(new WriterNode.Entry(Bytes.of(".."), node.parent, false));
            node.dirents.sort((a, b) -> Bytes.ORDER.compare(a.name(), b.name()));
        }
    }

    /**
     * The 256 whiteouts 00..ff in the root hide the object directory's xx/ subdirectories, which
     * the kernel composefs mount stacks below the image as a data-only layer.
     */
    private static void addRootWhiteouts(WriterNode root) {
        WriterXattr selinux = root.xattr(Bytes.of("security.selinux"));
        Set<String> present = new HashSet<>();
        for (WriterNode.Entry d : root.dirents) {
            present.add(Bytes.str(d.name()));
        }
        for (int i = 0; i < 256; i++) {
            String name = String.format("%02x", i);
            if (present.contains(name)) {
                continue;
            }
            WriterNode w = new WriterNode();
            w.mode = Node.S_IFCHR | 0644;
            w.nlink = 1;
            w.uid = root.uid;
            w.gid = root.gid;
            w.mtimeSec = root.mtimeSec;
            w.mtimeNsec = root.mtimeNsec;
            w.parent = root;
            if (selinux != null) {
                w.xattrs.add(new WriterXattr(selinux.name, selinux.value));
            }
            root.dirents.add(new WriterNode.Entry(Bytes.of(name), w, true));
        }
        root.dirents.sort((a, b) -> Bytes.ORDER.compare(a.name(), b.name()));
    }
}
