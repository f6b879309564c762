package org.cfsj.erofs;

import static org.cfsj.erofs.ErofsLayout.*;

/**
 * One on-disk inode, decoded and bounds-checked by {@link ErofsImage#inode(long)}.
 *
 * @param nid          node id (slot number in the metadata area)
 * @param offset       absolute byte offset of the inode in the image
 * @param extended     64-byte extended inode (true) or 32-byte compact inode (false)
 * @param layout       data layout ({@link ErofsLayout#LAYOUT_FLAT_PLAIN} ...)
 * @param mode         st_mode (type and permission bits)
 * @param nlink        st_nlink
 * @param uid          st_uid (unsigned 32 bits for extended inodes, 16 for compact)
 * @param gid          st_gid
 * @param size         st_size (never negative: larger values are rejected)
 * @param mtimeSec     modification time; compact inodes take the superblock's build time
 * @param mtimeNsec    nanoseconds of the modification time
 * @param rdev         device number (as EROFS stores it, 32 bits) for char and block devices, else 0
 * @param ino          the 32-bit inode number stored for stat compatibility
 * @param rawBlkaddr   the raw {@code i_u} field: start block for flat layouts, chunk format for
 *                     chunk-based files, rdev for devices
 * @param xattrIcount  {@code i_xattr_icount}
 * @param xattrSize    size in bytes of the inline xattr area following the inode
 */
public record Inode(
        long nid,
        long offset,
        boolean extended,
        int layout,
        int mode,
        long nlink,
        long uid,
        long gid,
        long size,
        long mtimeSec,
        int mtimeNsec,
        long rdev,
        long ino,
        long rawBlkaddr,
        int xattrIcount,
        int xattrSize) {

    public int typeBits() {
        return mode & 0170000;
    }

    public int permissions() {
        return mode & 07777;
    }

    public boolean isDirectory() {
        return typeBits() == 0040000;
    }

    public boolean isRegular() {
        return typeBits() == 0100000;
    }

    public boolean isSymlink() {
        return typeBits() == 0120000;
    }

    public boolean isCharDevice() {
        return typeBits() == 0020000;
    }

    public boolean isBlockDevice() {
        return typeBits() == 0060000;
    }

    public int inodeSize() {
        return extended ? INODE_EXTENDED_SIZE : INODE_COMPACT_SIZE;
    }

    /** Absolute offset of the first byte after the inode and its inline xattrs (inline data, chunk indexes). */
    public long bodyEnd() {
        return offset + inodeSize() + xattrSize;
    }

    public boolean isCompressed() {
        return layout == LAYOUT_COMPRESSED_FULL || layout == LAYOUT_COMPRESSED_COMPACT;
    }

    public boolean isChunkBased() {
        return layout == LAYOUT_CHUNK_BASED;
    }

    /** Chunk format bits ({@code i_u.c.format}) of a chunk-based inode. */
    public int chunkFormat() {
        return (int) (rawBlkaddr & 0xFFFF);
    }

    /** log2 of the chunk size of a chunk-based inode. */
    public int chunkBits() {
        return BLOCK_BITS + (chunkFormat() & CHUNK_FORMAT_BLKBITS_MASK);
    }

    /** Number of chunks of a chunk-based inode. */
    public long chunkCount() {
        int bits = chunkBits();
        return size == 0 ? 0 : ((size - 1) >>> bits) + 1;
    }

    /** Bytes per chunk index entry of a chunk-based inode: 8 with {@link ErofsLayout#CHUNK_FORMAT_INDEXES}, else 4. */
    public int chunkEntrySize() {
        return (chunkFormat() & CHUNK_FORMAT_INDEXES) != 0 ? CHUNK_INDEX_SIZE : CHUNK_ADDR_SIZE;
    }

    /** Absolute offset of the chunk index array (aligned to the entry size, as the kernel does). */
    public long chunkIndexOffset() {
        long unit = chunkEntrySize();
        return (bodyEnd() + unit - 1) / unit * unit;
    }
}
