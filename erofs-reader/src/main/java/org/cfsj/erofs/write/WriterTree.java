package org.cfsj.erofs.write;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Hardlinks;
import org.cfsj.tree.Node;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Symlink;
import org.cfsj.tree.Xattr;

/**
 * The inodes of an image to write, as a producer hands them over: one {@link WriterNode} per
 * inode, directory entries naming them, and each inode's xattrs interned in one table (an xattr
 * that many inodes carry is one object, and whether it goes to the shared area is a count on it,
 * without hashing every inode's xattrs again). A producer that already has the data in memory
 * (a dumpfile parser) builds this directly, without the {@link Directory} model in between;
 * {@link #of(Directory)} builds it from that model.
 *
 * <p>Invariants, which the producer guarantees (the tree model and the dumpfile parser check them
 * before): names are valid entry names ({@code org.cfsj.tree.Limits}), each node's xattr names are
 * unique and within the limits, a directory is the target of exactly one primary entry (the root
 * of none), a node's content is null or as long as its size. {@link ComposefsImageWriter} rewrites
 * the tree in place, so a tree is written once.
 */
public final class WriterTree {
    private final XattrTable xattrs = new XattrTable();
    private WriterNode root;
    private boolean hasWhiteout;
    private boolean written;

    /** Builds the writer's tree of {@code root}: one node per node of the model, its primary names as the model's {@link Hardlinks} says. */
    public static WriterTree of(Directory root) {
        WriterTree t = new WriterTree();
        Hardlinks links = Hardlinks.of(root);
        IdentityHashMap<Node, WriterNode> copies = new IdentityHashMap<>();
        t.setRoot(t.copy(root, copies));
        ArrayList<Directory> todo = new ArrayList<>();
        todo.add(root);
        while (!todo.isEmpty()) {
            Directory dir = todo.removeLast();
            WriterNode wdir = copies.get(dir);
            for (Map.Entry<byte[], Node> e : dir.entries().entrySet()) {
                Node child = e.getValue();
                boolean primary = links.isPrimary(dir, e.getKey(), child);
                t.entry(wdir, e.getKey(), t.copy(child, copies), primary);
                if (primary && child instanceof Directory d) {
                    todo.add(d);
                }
            }
        }
        return t;
    }

    private WriterNode copy(Node n, IdentityHashMap<Node, WriterNode> copies) {
        WriterNode w = copies.get(n);
        if (w != null) {
            return w;
        }
        var m = n.meta();
        long size = 0;
        long rdev = 0;
        byte[] content = null;
        byte[] payload = null;
        byte[] digest = null;
        switch (n) {
            case RegularFile f -> {
                size = f.size();
                content = f.size() > 0 ? f.content() : null;
                payload = f.payload() == null ? null : org.cfsj.tree.Bytes.of(f.payload());
                digest = f.digest();
            }
            case Symlink s -> payload = s.target();
            case Device d -> rdev = d.rdev();
            default -> {}
        }
        w = node(n.mode(), m.uid(), m.gid(), m.nlink(), m.mtimeSec(), m.mtimeNsec(), size, rdev, content, payload, digest);
        for (Xattr x : m.xattrs()) {
            xattr(w, x.name(), x.value());
        }
        copies.put(n, w);
        return w;
    }

    /**
     * A new inode. {@code mode} is the full st_mode; {@code content} (a regular file's inline
     * data, as long as {@code size}) may be null; {@code payload} is a regular file's backing
     * path or a symlink's target (whose length is then its size); {@code digest} an fs-verity
     * digest or null. The arrays are kept, not copied: the caller hands them over.
     */
    public WriterNode node(int mode, int uid, int gid, int nlink, long mtimeSec, int mtimeNsec, long size, long rdev,
            byte[] content, byte[] payload, byte[] digest) {
        WriterNode w = new WriterNode();
        w.mode = mode;
        w.uid = uid;
        w.gid = gid;
        w.nlink = nlink;
        w.mtimeSec = mtimeSec;
        w.mtimeNsec = mtimeNsec;
        switch (mode & Node.S_IFMT) {
            case Node.S_IFREG -> {
                w.size = size;
                w.content = size > 0 ? content : null;
                w.payload = payload;
                w.digest = digest;
            }
            case Node.S_IFLNK -> {
                w.payload = payload;
                w.size = payload.length;
            }
            case Node.S_IFCHR, Node.S_IFBLK -> {
                w.rdev = rdev;
                if ((mode & Node.S_IFMT) == Node.S_IFCHR && rdev == 0) {
                    hasWhiteout = true;
                }
            }
            case Node.S_IFDIR -> w.dirents = new ArrayList<>();
            default -> {}
        }
        return w;
    }

    /** Makes {@code dir} the root; it has no parent entry and is its own "..". */
    public void setRoot(WriterNode dir) {
        if (!dir.isDir()) {
            throw new IllegalArgumentException("the root must be a directory");
        }
        dir.parent = dir;
        root = dir;
    }

    /** Adds an xattr to {@code node}, whose xattrs have no other of that name. */
    public void xattr(WriterNode node, byte[] name, byte[] value) {
        node.addXattr(xattrs.intern(name, value));
    }

    /**
     * Adds {@code name} to {@code dir} for {@code child}: its primary entry (a directory's only
     * one; for others, where its inode is numbered), or a further hardlink name. Entries may come
     * in any order.
     */
    public void entry(WriterNode dir, byte[] name, WriterNode child, boolean primary) {
        dir.dirents.add(new WriterNode.Entry(name, child, primary));
        if (primary) {
            child.parent = dir;
        }
    }

    WriterNode root() {
        if (root == null) {
            throw new IllegalStateException("the tree has no root");
        }
        return root;
    }

    boolean hasWhiteout() {
        return hasWhiteout;
    }

    /** Replaces or adds an xattr of a node (the composefs rules' xattrs). */
    void setXattr(WriterNode node, byte[] name, byte[] value) {
        for (int i = 0; i < node.xattrCount; i++) {
            if (Arrays.equals(node.xattrs[i].name, name)) {
                node.removeXattr(i);
                break;
            }
        }
        node.addXattr(xattrs.intern(name, value));
    }

    /** The interned xattr of this name and value. */
    WriterXattr intern(byte[] name, byte[] value) {
        return xattrs.intern(name, value);
    }

    /** Marks the tree as consumed by a writer, which rewrites it. */
    void markWritten() {
        if (written) {
            throw new IllegalStateException("a WriterTree is written once (the writer rewrites it)");
        }
        written = true;
    }
}
