package org.cfsj.erofs.write;

import static org.cfsj.erofs.ErofsLayout.*;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.cfsj.erofs.ComposefsHeader;
import org.cfsj.erofs.Dirent;
import org.cfsj.erofs.DirentBlock;
import org.cfsj.erofs.Inode;
import org.cfsj.erofs.Superblock;
import org.cfsj.erofs.XattrEntry;
import org.cfsj.erofs.XattrIbody;
import org.cfsj.tree.Node;

/**
 * Writes the bytes of a {@link LayoutPlan}, in one pass and in order: composefs header,
 * superblock, inodes with their xattrs and inline tails, shared xattrs, data blocks. Each
 * structure encodes itself ({@link Superblock}, {@link Inode}, {@link DirentBlock} ...); this class
 * only places them, and checks at the end of each section that the bytes written match the plan.
 */
final class ImageEmitter {
    private final LayoutPlan plan;
    private final int version;
    private final ImageSink out;
    /**
     * Where each structure is encoded before it goes out: a block (the largest inode, ibody or
     * dirent block) or the largest xattr entry a 8-bit name length and 16-bit value size allow.
     */
    private final byte[] scratch = new byte[Math.max(BLOCK_SIZE, XattrEntry.size(0xff, 0xffff))];
    private final MemorySegment scratchSegment = MemorySegment.ofArray(scratch);

    private ImageEmitter(LayoutPlan plan, int version, ImageSink out) {
        this.plan = plan;
        this.version = version;
        this.out = out;
    }

    static void emit(LayoutPlan plan, int version, ImageSink out) throws IOException {
        new ImageEmitter(plan, version, out).emit();
    }

    private void emit() throws IOException {
        new ComposefsHeader(COMPOSEFS_MAGIC, COMPOSEFS_VERSION, plan.hasAcl ? COMPOSEFS_FLAGS_HAS_ACL : 0, version)
                .write(scratchSegment);
        out.bytes(scratch, 0, COMPOSEFS_HEADER_SIZE);
        out.zeros(SUPERBLOCK_OFFSET - COMPOSEFS_HEADER_SIZE);
        superblock().write(scratchSegment);
        out.bytes(scratch, 0, SUPERBLOCK_SIZE);

        for (WriterNode node : plan.inodes) {
            writeInode(node);
        }
        out.align(SLOT_SIZE);
        check(out.position() == plan.inodesEnd, "inode area");
        for (WriterXattr x : plan.sharedXattrs) {
            writeXattr(x.entry());
        }
        check(out.position() == plan.inodesEnd + plan.sharedXattrSize, "shared xattrs");
        out.align(BLOCK_SIZE);
        check(out.position() == plan.dataStart(), "data start");
        for (WriterNode node : plan.withBlocks) {
            check(out.position() == node.startBlock * BLOCK_SIZE, "blocks of inode ", node.inodeNum);
            if (node.isDir()) {
                writeDirents(node, true, false);
            }
            writeDataBlocks(node);
        }
        check(out.position() == plan.totalBlocks() * BLOCK_SIZE, "data blocks");
        out.flush();
    }

    private Superblock superblock() {
        return new Superblock(
                0, // checksum: the feature is not used
                FEATURE_COMPAT_MTIME | FEATURE_COMPAT_XATTR_FILTER,
                BLOCK_BITS,
                0, // sb_extslots
                plan.inodes.get(0).nid,
                plan.inodes.size(),
                plan.minMtimeSec, // build_time: compact inodes take their mtime from it
                plan.minMtimeNsec,
                plan.totalBlocks(),
                (SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE) / BLOCK_SIZE, // meta_blkaddr
                plan.inodesEnd / BLOCK_SIZE, // xattr_blkaddr
                new byte[16], new byte[16], // uuid, volume name
                0, 0, 0, 0, 0, 0, 0, 0); // no incompatible features, devices, long prefixes or packed inode
    }

    /** As {@link #check(boolean, String)}, the message made only on failure (this runs per inode). */
    private static void check(boolean ok, String what, int inodeNum) {
        if (!ok) {
            check(false, what + inodeNum);
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("composefs writer: layout of " + what + " differs from its plan");
        }
    }

    private Inode inode(WriterNode node, long offset) {
        int layout = node.tailSize > 0 ? LAYOUT_FLAT_INLINE : LAYOUT_FLAT_PLAIN;
        long size;
        switch (node.type()) {
            case Node.S_IFDIR -> size = LayoutPlan.inodeDataSize(node);
            case Node.S_IFREG -> {
                size = node.size;
                if (node.external()) {
                    layout = LAYOUT_CHUNK_BASED;
                }
            }
            case Node.S_IFLNK -> size = node.nBlocks == 0 ? node.tailSize : node.size;
            default -> size = 0;
        }
        // i_u: raw block address, rdev, or chunk format. composefs writes the block address and
        // then the 16-bit chunk format over its low half; keep that for identical bytes.
        long iu = 0;
        int type = node.type();
        if (type == Node.S_IFCHR || type == Node.S_IFBLK) {
            iu = node.rdev & 0xffffffffL;
        } else if (type == Node.S_IFDIR || type == Node.S_IFREG || type == Node.S_IFLNK) {
            if (node.nBlocks > 0) {
                iu = node.startBlock & 0xffffffffL;
            }
            if (layout == LAYOUT_CHUNK_BASED) {
                iu = (iu & 0xffff0000L) | node.chunking.format();
            }
        }
        long rdev = type == Node.S_IFCHR || type == Node.S_IFBLK ? iu : 0;
        return new Inode(node.nid, offset, !node.compact, layout, node.mode, Integer.toUnsignedLong(node.nlink),
                Integer.toUnsignedLong(node.uid), Integer.toUnsignedLong(node.gid), size, node.mtimeSec,
                node.mtimeNsec, rdev, node.inodeNum, iu, XattrIbody.icount(node.xattrSize), node.xattrSize);
    }

    private void writeInode(WriterNode node) throws IOException {
        out.zeros(node.ipad);
        long start = out.position();
        Inode inode = inode(node, start);
        inode.write(scratchSegment);
        out.bytes(scratch, 0, inode.inodeSize());

        if (node.xattrSize > 0) {
            long xstart = out.position();
            int n = node.xattrCount;
            int filter = 0;
            int sharedCount = 0;
            for (int i = 0; i < n; i++) {
                filter |= node.xattrs[i].filterBit;
                if (node.sharedAt(i)) {
                    sharedCount++;
                }
            }
            long[] ids = new long[sharedCount];
            for (int i = 0, k = 0; i < n; i++) {
                if (node.sharedAt(i)) {
                    ids[k++] = (plan.inodesEnd % BLOCK_SIZE + node.xattrs[i].sharedOffset) / 4;
                }
            }
            XattrIbody ibody = new XattrIbody(~filter, ids);
            ibody.write(scratchSegment);
            out.bytes(scratch, 0, ibody.size());
            for (int i = 0; i < n; i++) {
                if (!node.sharedAt(i)) {
                    writeXattr(node.xattrs[i].entry());
                }
            }
            out.align(4);
            check(out.position() - xstart == node.xattrSize, "xattrs of inode ", node.inodeNum);
        }

        switch (node.type()) {
            case Node.S_IFDIR -> writeDirents(node, false, true);
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
                        nullChunks(node.chunking.count());
                    }
                }
            }
            default -> {}
        }
        check(out.position() - start == node.isize, "inode ", node.inodeNum);
    }

    private void writeXattr(XattrEntry e) throws IOException {
        e.write(scratchSegment);
        out.bytes(scratch, 0, e.size());
    }

    private void nullChunks(long count) throws IOException {
        for (long i = 0; i < count; i++) {
            out.le32(NULL_ADDR);
        }
    }

    /** A directory's dirent blocks (in the data area) or its inline tail, as planned ({@link WriterNode#direntGroupStarts}). */
    private void writeDirents(WriterNode node, boolean blocks, boolean tail) throws IOException {
        int[] starts = node.direntGroupStarts;
        for (int g = 0; g < starts.length; g++) {
            int from = starts[g];
            int to = g + 1 < starts.length ? starts[g + 1] : node.dirents.size();
            boolean isBlock = g < node.nBlocks;
            if (isBlock && blocks) {
                direntChunk(node.dirents, from, to, BLOCK_SIZE);
            } else if (!isBlock && tail) {
                direntChunk(node.dirents, from, to, 1);
            }
        }
    }

    private void direntChunk(List<WriterNode.Entry> ds, int from, int to, int alignment) throws IOException {
        List<Dirent> entries = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            WriterNode.Entry d = ds.get(i);
            entries.add(new Dirent(d.name(), d.target().nid, fileTypeOf(d.target().mode), i));
        }
        int size = DirentBlock.size(entries);
        DirentBlock.write(entries, scratchSegment);
        out.bytes(scratch, 0, size);
        out.align(alignment);
    }

    /** Out-of-line data: inline-content files and symlinks too big for a tail, null chunk indexes. */
    private void writeDataBlocks(WriterNode node) throws IOException {
        if (node.nBlocks == 0) {
            return;
        }
        byte[] data;
        if (node.type() == Node.S_IFREG) {
            if (node.content == null) {
                nullChunks(Chunking.MAX_NONINLINE_CHUNKS);
                return;
            }
            data = node.content;
        } else if (node.type() == Node.S_IFLNK) {
            data = node.payload;
        } else {
            return;
        }
        for (long i = 0; i < node.nBlocks; i++) {
            long off = i * BLOCK_SIZE;
            int len = (int) Math.max(0, Math.min(data.length - off, BLOCK_SIZE));
            out.bytes(data, (int) Math.min(off, data.length), len);
            out.align(BLOCK_SIZE);
        }
    }
}
