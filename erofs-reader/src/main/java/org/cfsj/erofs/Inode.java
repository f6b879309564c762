package org.cfsj.erofs;

import static org.cfsj.erofs.ErofsLayout.*;
import static org.cfsj.erofs.LittleEndian.*;

import java.lang.foreign.MemorySegment;

/**
 * One on-disk inode ({@code struct erofs_inode_compact} or {@code struct erofs_inode_extended}):
 * the one place that knows the two encodings, for reading ({@link #read}, on behalf of
 * {@link ErofsImage#inode(long)}, which checks the nid first) and for writing ({@link #write}).
 * A decoded inode is checked: known format and layout, a valid file type, a size that fits a
 * {@code long}, and the inode with its inline xattrs inside the image.
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

    /** Byte offsets in {@code struct erofs_inode_compact}. */
    public static final class Compact {
        private Compact() {}

        public static final int FORMAT = 0; // le16
        public static final int XATTR_ICOUNT = 2; // le16
        public static final int MODE = 4; // le16
        public static final int NLINK = 6; // le16
        public static final int SIZE = 8; // le32
        public static final int RESERVED = 12; // le32
        public static final int I_U = 16; // le32 (raw_blkaddr / rdev / chunk format)
        public static final int INO = 20; // le32
        public static final int UID = 24; // le16
        public static final int GID = 26; // le16
        public static final int RESERVED2 = 28; // le32
    }

    /** Byte offsets in {@code struct erofs_inode_extended}; the first 4 fields, I_U and INO sit as in the compact one. */
    public static final class Extended {
        private Extended() {}

        public static final int FORMAT = 0; // le16
        public static final int XATTR_ICOUNT = 2; // le16
        public static final int MODE = 4; // le16
        public static final int RESERVED = 6; // le16
        public static final int SIZE = 8; // le64
        public static final int I_U = 16; // le32
        public static final int INO = 20; // le32
        public static final int UID = 24; // le32
        public static final int GID = 28; // le32
        public static final int MTIME = 32; // le64
        public static final int MTIME_NSEC = 40; // le32
        public static final int NLINK = 44; // le32
        public static final int RESERVED2 = 48; // 16 bytes
    }

    /**
     * Decodes the inode at {@code off} in {@code image}; the caller has checked that a compact
     * inode fits there. Compact inodes carry no time: they take the superblock's build time.
     */
    static Inode read(MemorySegment image, long nid, long off, Superblock sb) throws ErofsFormatException {
        long imageSize = image.byteSize();
        int format = u16(image, off + Compact.FORMAT);
        if ((format & ~0xF) != 0) {
            throw new ErofsFormatException(String.format("nid %d (offset %d): unsupported i_format 0x%x", nid, off, format));
        }
        boolean extended = (format & I_VERSION_MASK) != 0;
        int layout = (format >> I_DATALAYOUT_BIT) & I_DATALAYOUT_MASK;
        if (layout > LAYOUT_CHUNK_BASED) {
            throw new ErofsFormatException("nid " + nid + " (offset " + off + "): unknown data layout " + layout);
        }
        if (extended && off + INODE_EXTENDED_SIZE > imageSize) {
            throw new ErofsFormatException("nid " + nid + " (offset " + off + "): extended inode runs past the end of the image");
        }
        int icount = u16(image, off + Compact.XATTR_ICOUNT);
        int mode = u16(image, off + Compact.MODE);
        long iu = u32(image, off + Compact.I_U);
        long ino = u32(image, off + Compact.INO);
        long nlink, uid, gid, size, mtime;
        int mtimeNsec;
        if (extended) {
            size = u64(image, off + Extended.SIZE);
            uid = u32(image, off + Extended.UID);
            gid = u32(image, off + Extended.GID);
            mtime = u64(image, off + Extended.MTIME);
            mtimeNsec = (int) u32(image, off + Extended.MTIME_NSEC);
            nlink = u32(image, off + Extended.NLINK);
        } else {
            size = u32(image, off + Compact.SIZE);
            uid = u16(image, off + Compact.UID);
            gid = u16(image, off + Compact.GID);
            mtime = sb.buildTime();
            mtimeNsec = sb.buildTimeNsec();
            nlink = u16(image, off + Compact.NLINK);
        }
        if (size < 0) {
            throw new ErofsFormatException("nid " + nid + ": size " + Long.toUnsignedString(size) + " is too large");
        }
        if (!org.cfsj.tree.Node.validType(mode)) {
            throw new ErofsFormatException("nid " + nid + " (offset " + off + "): invalid file type in mode 0"
                    + Integer.toOctalString(mode));
        }
        int typeBits = mode & 0170000;
        long rdev = typeBits == 0020000 || typeBits == 0060000 ? iu : 0;
        int xattrSize = XattrIbody.areaSize(icount);
        int isize = extended ? INODE_EXTENDED_SIZE : INODE_COMPACT_SIZE;
        if (off + isize + xattrSize > imageSize) {
            throw new ErofsFormatException("nid " + nid + " (offset " + off + "): inline xattrs (" + xattrSize
                    + " bytes, i_xattr_icount " + icount + ") run past the end of the image");
        }
        return new Inode(nid, off, extended, layout, mode, nlink, uid, gid, size, mtime, mtimeNsec, rdev, ino, iu,
                icount, xattrSize);
    }

    /**
     * Writes the {@link #inodeSize()} bytes of this inode at {@code dst}'s start. Only the fields
     * the encoding holds are written ({@code nid}, {@code offset}, {@code rdev} and
     * {@code xattrSize} are derived or positional); a compact inode's values must fit its 16- and
     * 32-bit fields, which the writer checks before choosing it.
     */
    public void write(MemorySegment dst) {
        MemorySegment s = dst.asSlice(0, inodeSize());
        s.fill((byte) 0);
        put16(s, Compact.FORMAT, layout << I_DATALAYOUT_BIT | (extended ? I_VERSION_MASK : 0));
        put16(s, Compact.XATTR_ICOUNT, xattrIcount);
        put16(s, Compact.MODE, mode);
        put32(s, Compact.I_U, rawBlkaddr);
        put32(s, Compact.INO, ino);
        if (extended) {
            put64(s, Extended.SIZE, size);
            put32(s, Extended.UID, uid);
            put32(s, Extended.GID, gid);
            put64(s, Extended.MTIME, mtimeSec);
            put32(s, Extended.MTIME_NSEC, mtimeNsec);
            put32(s, Extended.NLINK, nlink);
        } else {
            put16(s, Compact.NLINK, nlink);
            put32(s, Compact.SIZE, size);
            put16(s, Compact.UID, uid);
            put16(s, Compact.GID, gid);
        }
    }

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
