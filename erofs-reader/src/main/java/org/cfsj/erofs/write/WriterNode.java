package org.cfsj.erofs.write;

import java.util.Arrays;
import java.util.List;
import org.cfsj.tree.Node;

/**
 * One inode as the writer handles it: what its producer gave ({@link WriterTree#node}), which
 * {@link ComposefsRules} rewrites (type, size, xattrs, dirents with "." and ".."), then the fields
 * {@link LayoutPlan} fills in (number, nid, sizes, padding, blocks). {@link ImageEmitter} only
 * reads it. Outside this package it is only a handle: it has no public members.
 */
public final class WriterNode {
    /** A directory entry of a node: {@code primary} is false for hardlinks, "." and "..". */
    record Entry(byte[] name, WriterNode target, boolean primary) {}

    // ---- from the tree, as rewritten by the composefs rules
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
    /** The xattrs: the first {@link #xattrCount} slots (an array, not a list: this is read in every pass over the inodes). */
    WriterXattr[] xattrs = NO_XATTRS;
    int xattrCount;
    WriterNode parent;
    List<Entry> dirents; // directories only; sorted, with "." and "..", once the rules ran

    /** External files: how the file is cut into chunks (its null chunk index), once the rules ran. */
    Chunking chunking;

    // ---- planned layout
    int inodeNum;
    long nid;
    long nBlocks;
    int tailSize;
    boolean compact;
    long ipad;
    long isize;
    int xattrSize;
    /** Xattrs before this index (in sorted order) that are {@link WriterXattr#shareable} are referred to in the shared area. */
    int sharedEnd;
    long startBlock;
    /**
     * Directories: index of the first entry of each group of dirents. Every group but the last
     * is a full block; the last is a block too when the directory has as many blocks as groups,
     * else it is the inline tail.
     */
    int[] direntGroupStarts;

    private static final WriterXattr[] NO_XATTRS = new WriterXattr[0];

    WriterNode() {}

    int type() {
        return mode & Node.S_IFMT;
    }

    boolean isDir() {
        return type() == Node.S_IFDIR;
    }

    /** A regular file whose data is not in the image but in its backing object. */
    boolean external() {
        return type() == Node.S_IFREG && size > 0 && content == null;
    }

    WriterXattr xattr(byte[] name) {
        for (int i = 0; i < xattrCount; i++) {
            WriterXattr x = xattrs[i];
            if (Arrays.equals(x.name, name)) {
                return x;
            }
        }
        return null;
    }

    /** Whether the i-th xattr (in sorted order) of this inode is stored in the shared area. */
    boolean sharedAt(int i) {
        return i < sharedEnd && xattrs[i].shareable();
    }

    void addXattr(WriterXattr x) {
        if (xattrCount == xattrs.length) {
            xattrs = Arrays.copyOf(xattrs, Math.max(2, xattrCount * 2));
        }
        xattrs[xattrCount++] = x;
    }

    void removeXattr(int i) {
        System.arraycopy(xattrs, i + 1, xattrs, i, xattrCount - i - 1);
        xattrs[--xattrCount] = null;
    }
}
