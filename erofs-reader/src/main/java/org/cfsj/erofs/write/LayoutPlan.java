package org.cfsj.erofs.write;

import static org.cfsj.erofs.ErofsLayout.*;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.cfsj.erofs.XattrIbody;
import org.cfsj.tree.Node;

/**
 * Where everything of the image goes, decided before a byte is written, exactly as composefs
 * decides it: inodes in breadth-first order packed in 32-byte slots after the superblock (with
 * the nids that follow from that), directory, symlink and small-file tails inline unless they
 * would cross a block, xattrs used by more than one inode in the shared area after the inodes,
 * then block-aligned data blocks (large directories, large inline files, chunk indexes that did
 * not fit inline) in inode order. Fills in the layout fields of each {@link WriterNode}.
 */
final class LayoutPlan {
    /** Inodes in image order; the first is the root. */
    final List<WriterNode> inodes = new ArrayList<>();
    /** The earliest mtime, the superblock's build time: compact inodes carry no time of their own. */
    long minMtimeSec;
    int minMtimeNsec;
    /** Whether any inode has a POSIX ACL (a composefs header flag). */
    boolean hasAcl;
    /** The inodes with out-of-line data blocks, in inode order (the order of the data area). */
    final List<WriterNode> withBlocks = new ArrayList<>();
    /** The shared xattrs in the order of their area. */
    final List<WriterXattr> sharedXattrs = new ArrayList<>();
    long sharedXattrSize;
    /** End of the inode area (slot-aligned), where the shared xattrs start. */
    long inodesEnd;
    long dataBlocks;

    private static final java.util.Comparator<WriterXattr> XATTR_NAME_ORDER =
            (a, b) -> Arrays.compareUnsigned(a.name, b.name);

    static long roundUp(long v, long align) {
        return (v + align - 1) / align * align;
    }

    /** Plans the image of the tree whose root {@link ComposefsRules} gave. */
    static LayoutPlan of(WriterNode root) throws ImageWriteException {
        LayoutPlan plan = new LayoutPlan();
        plan.orderInodes(root);
        plan.shareXattrs();
        plan.placeInodes();
        plan.placeDataBlocks();
        return plan;
    }

    /** Offset of the first data block. */
    long dataStart() {
        return roundUp(inodesEnd + sharedXattrSize, BLOCK_SIZE);
    }

    /** Blocks in the whole image. */
    long totalBlocks() {
        return dataStart() / BLOCK_SIZE + dataBlocks;
    }

    /**
     * Breadth-first inode order, directory link counts, canonical xattr order, minimum mtime, the
     * ACL flag, and how many inodes use each xattr: one pass over the inodes.
     */
    private void orderInodes(WriterNode root) {
        minMtimeSec = root.mtimeSec;
        minMtimeNsec = root.mtimeNsec;
        ArrayDeque<WriterNode> queue = new ArrayDeque<>();
        queue.add(root);
        int index = 0;
        while (!queue.isEmpty()) {
            WriterNode node = queue.poll();
            WriterXattr[] xattrs = node.xattrs;
            int count = node.xattrCount;
            if (count > 1) {
                Arrays.sort(xattrs, 0, count, XATTR_NAME_ORDER);
            }
            for (int i = 0; i < count; i++) {
                WriterXattr x = xattrs[i];
                if (++x.users == 2) {
                    sharedXattrs.add(x);
                }
                hasAcl |= x.acl;
            }
            if (node.mtimeSec < minMtimeSec || (node.mtimeSec == minMtimeSec
                    && Integer.compareUnsigned(node.mtimeNsec, minMtimeNsec) < 0)) {
                minMtimeSec = node.mtimeSec;
                minMtimeNsec = node.mtimeNsec;
            }
            node.inodeNum = index++;
            inodes.add(node);
            if (node.isDir()) {
                int n = 2;
                List<WriterNode.Entry> dirents = node.dirents;
                for (int i = 0; i < dirents.size(); i++) {
                    WriterNode.Entry d = dirents.get(i);
                    if (d.primary()) {
                        queue.add(d.target());
                        if (d.target().isDir()) {
                            n++;
                        }
                    }
                }
                node.nlink = n;
            }
        }
    }

    /**
     * Xattrs (name and value) used by more than one inode ({@link #orderInodes} listed them) are
     * stored once, in the shared area, in composefs's canonical order: descending by name, then
     * by value length, then value bytes. Most xattrs, like each file's metacopy digest, are
     * unique, so only a few are sorted.
     */
    private void shareXattrs() {
        sharedXattrs.sort((a, b) -> {
            int c = Arrays.compareUnsigned(b.name, a.name);
            if (c != 0) {
                return c;
            }
            if (a.value.length != b.value.length) {
                return b.value.length - a.value.length;
            }
            return Arrays.compareUnsigned(b.value, a.value);
        });
        long offset = 0;
        for (WriterXattr x : sharedXattrs) {
            x.sharedOffset = offset;
            offset += x.size;
        }
        sharedXattrSize = offset;
    }

    /**
     * Cuts a directory's entries into blocks: a block ends where the next entry would not fit.
     * The last group is the inline tail, or a block of its own when over half a block.
     */
    private static void planDirSize(WriterNode node) {
        int[] starts = new int[1];
        int groups = 1;
        int blockSize = 0;
        for (int i = 0; i < node.dirents.size(); i++) {
            int len = DIRENT_SIZE + node.dirents.get(i).name().length;
            if (blockSize + len > BLOCK_SIZE) {
                if (groups == starts.length) {
                    starts = Arrays.copyOf(starts, groups * 2);
                }
                starts[groups++] = i;
                blockSize = 0;
            }
            blockSize += len;
        }
        long blocks = groups - 1;
        // Never inline more than half a block of dirents.
        if (blockSize > BLOCK_SIZE / 2) {
            blocks++;
            blockSize = 0;
        }
        node.direntGroupStarts = groups == starts.length ? starts : Arrays.copyOf(starts, groups);
        node.nBlocks = blocks;
        node.tailSize = blockSize;
    }

    /** Data blocks and inline tail of an inode, before tail placement may move the tail out. */
    private static void planDataSize(WriterNode node) {
        switch (node.type()) {
            case Node.S_IFDIR -> planDirSize(node);
            case Node.S_IFLNK -> {
                node.nBlocks = 0;
                node.tailSize = node.payload.length;
            }
            case Node.S_IFREG -> {
                if (node.size == 0) {
                    node.nBlocks = 0;
                    node.tailSize = 0;
                } else if (node.content != null) {
                    node.nBlocks = node.size / BLOCK_SIZE;
                    node.tailSize = (int) (node.size % BLOCK_SIZE);
                    if (node.tailSize > BLOCK_SIZE / 2) {
                        node.nBlocks++;
                        node.tailSize = 0;
                    }
                } else {
                    node.nBlocks = 0;
                    node.tailSize = (int) node.chunking.count() * 4;
                }
            }
            default -> {
                node.nBlocks = 0;
                node.tailSize = 0;
            }
        }
    }

    /** The size the inode records: a directory's is its dirent bytes, others' their file size. */
    static long inodeDataSize(WriterNode node) {
        return node.isDir() ? node.nBlocks * BLOCK_SIZE + node.tailSize : node.size;
    }

    private boolean fitsCompact(WriterNode node) {
        return node.mtimeSec == minMtimeSec && node.mtimeNsec == minMtimeNsec
                && Integer.toUnsignedLong(node.nlink) <= 0xffff
                && Integer.toUnsignedLong(node.uid) <= 0xffff
                && Integer.toUnsignedLong(node.gid) <= 0xffff
                && Long.compareUnsigned(inodeDataSize(node), 0xffffffffL) <= 0;
    }

    /**
     * Which of the inode's xattrs go to the shared area ({@link WriterNode#sharedEnd}: composefs
     * refers to at most 128 per inode, the shared count being one byte), and the size of its
     * inline xattr area.
     */
    private static int xattrAreaSize(WriterNode node) {
        WriterXattr[] xattrs = node.xattrs;
        int n = node.xattrCount;
        if (n == 0) {
            node.sharedEnd = 0;
            return 0;
        }
        int shared = 0;
        int unshared = 0;
        int end = n;
        for (int i = 0; i < n; i++) {
            WriterXattr x = xattrs[i];
            if (x.shareable() && shared < XATTR_LONG_PREFIX) {
                if (++shared == XATTR_LONG_PREFIX) {
                    end = i + 1;
                }
            } else {
                unshared += x.size;
            }
        }
        node.sharedEnd = end;
        return (int) roundUp(XATTR_IBODY_HEADER_SIZE + shared * 4L + unshared, 4);
    }

    /**
     * Padding in front of an inode so that its inline tail does not cross a block boundary; may
     * instead move the tail out of line (into a data block), exactly as composefs decides it.
     */
    private static long tailPadding(WriterNode node, long pos, int inodeSize, int xattrSize) {
        long nonTail = inodeSize + xattrSize;
        long total = nonTail + node.tailSize;
        if (node.type() == Node.S_IFLNK) {
            // A symlink's inode and target stay in one block, unless together they exceed one.
            long posBlock = pos / BLOCK_SIZE;
            long endBlock = (pos + total - 1) / BLOCK_SIZE;
            if (total / BLOCK_SIZE > 0) {
                node.nBlocks++;
                node.tailSize = 0;
            }
            return posBlock != endBlock ? roundUp(pos, BLOCK_SIZE) - pos : 0;
        }
        long remainder = BLOCK_SIZE - ((pos + nonTail) % BLOCK_SIZE);
        if (remainder < node.tailSize) {
            long pad = roundUp(remainder, SLOT_SIZE);
            remainder = BLOCK_SIZE - ((pos + nonTail + pad) % BLOCK_SIZE);
            if (node.tailSize <= remainder) {
                return pad;
            }
            node.nBlocks++;
            node.tailSize = 0;
            return roundUp(pos, BLOCK_SIZE) - pos;
        }
        return 0;
    }

    /** Inode sizes, compact or extended, padding and nids; checks the image stays addressable. */
    private void placeInodes() throws ImageWriteException {
        long pos = SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE;
        long metaStart = pos / BLOCK_SIZE * BLOCK_SIZE;
        for (WriterNode node : inodes) {
            planDataSize(node);
            node.compact = fitsCompact(node);
            int inodeSize = node.compact ? INODE_COMPACT_SIZE : INODE_EXTENDED_SIZE;
            node.xattrSize = xattrAreaSize(node);
            if (XattrIbody.icount(node.xattrSize) > 0xffff) {
                throw new ImageWriteException("too many xattrs on one inode");
            }
            long ppos = pos;
            pos = roundUp(pos, SLOT_SIZE);
            node.ipad = pos - ppos;
            long extra = tailPadding(node, pos, inodeSize, node.xattrSize);
            node.ipad += extra;
            pos += extra;
            node.isize = inodeSize + node.xattrSize + node.tailSize;
            if (node.nBlocks > 0) {
                withBlocks.add(node);
                dataBlocks += node.nBlocks;
            }
            node.nid = (pos - metaStart) / SLOT_SIZE;
            pos += node.isize;
        }
        inodesEnd = roundUp(pos, SLOT_SIZE);
        if (inodes.get(0).nid >= 0xffff) {
            throw new ImageWriteException("root inode does not fit the superblock's 16-bit root nid");
        }
        if (totalBlocks() > 0xffffffffL) {
            throw new ImageWriteException("image would exceed 2^32 blocks");
        }
    }

    /** The first block of each inode's out-of-line data, in inode order from {@link #dataStart()}. */
    private void placeDataBlocks() {
        long next = dataStart() / BLOCK_SIZE;
        for (WriterNode node : withBlocks) {
            node.startBlock = next;
            next += node.nBlocks;
        }
    }
}
