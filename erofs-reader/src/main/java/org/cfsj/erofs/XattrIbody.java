package org.cfsj.erofs;

import static org.cfsj.erofs.ErofsLayout.XATTR_FILTER_SEED;
import static org.cfsj.erofs.ErofsLayout.XATTR_IBODY_HEADER_SIZE;
import static org.cfsj.erofs.LittleEndian.*;

import java.lang.foreign.MemorySegment;
import java.util.Collection;

/**
 * The start of an inode's inline xattr area: the header ({@code struct erofs_xattr_ibody_header}:
 * name filter, shared count, 7 reserved bytes) and the shared xattr ids after it; the inline
 * {@link XattrEntry entries} follow. The area's size is given by the inode's
 * {@code i_xattr_icount} ({@link #areaSize}). Read and written here only.
 *
 * @param nameFilter {@code h_name_filter}: a 32-bit bloom filter of the names present, inverted
 *                   (a set bit means "absent"); see {@link #nameFilter}
 * @param sharedIds  shared xattr ids: entry {@code id} is at {@code xattr_blkaddr * 4096 + id * 4}
 */
public record XattrIbody(int nameFilter, long[] sharedIds) {
    // Byte offsets in struct erofs_xattr_ibody_header.
    public static final int NAME_FILTER = 0; // le32
    public static final int SHARED_COUNT = 4; // u8
    private static final int FILTER_BITS = 32;

    /** Size of the inline xattr area for an {@code i_xattr_icount} value. */
    public static int areaSize(int xattrIcount) {
        return xattrIcount == 0 ? 0 : XATTR_IBODY_HEADER_SIZE + 4 * (xattrIcount - 1);
    }

    /** The {@code i_xattr_icount} of an area of {@code areaSize} bytes (a multiple of 4, 0 or at least the header). */
    public static int icount(int areaSize) {
        return areaSize == 0 ? 0 : (areaSize - XATTR_IBODY_HEADER_SIZE) / 4 + 1;
    }

    /** Bytes of the header and the shared ids. */
    public int size() {
        return XATTR_IBODY_HEADER_SIZE + 4 * sharedIds.length;
    }

    /** The filter of these entries as the kernel reads it: xxHash32 of each suffix, seeded by its index. */
    public static int nameFilter(Collection<XattrEntry> entries) {
        int bits = 0;
        for (XattrEntry x : entries) {
            int h = XxHash32.hash(x.suffix(), XATTR_FILTER_SEED + x.nameIndex());
            bits |= 1 << (h & (FILTER_BITS - 1));
        }
        return ~bits;
    }

    /** Reads the header and shared ids of {@code inode}'s xattr area (which must have one), checking the ids fit in it. */
    static XattrIbody read(MemorySegment image, Inode inode) throws ErofsFormatException {
        long base = inode.offset() + inode.inodeSize();
        int shared = u8(image, base + SHARED_COUNT);
        if (XATTR_IBODY_HEADER_SIZE + 4L * shared > inode.xattrSize()) {
            throw new ErofsFormatException("nid " + inode.nid() + ": " + shared + " shared xattr ids do not fit in the "
                    + inode.xattrSize() + "-byte xattr area");
        }
        long[] ids = new long[shared];
        for (int i = 0; i < shared; i++) {
            ids[i] = u32(image, base + XATTR_IBODY_HEADER_SIZE + 4L * i);
        }
        return new XattrIbody((int) u32(image, base + NAME_FILTER), ids);
    }

    /** Writes the header and the shared ids ({@link #size()} bytes) at {@code dst}'s start. */
    public void write(MemorySegment dst) {
        MemorySegment s = dst.asSlice(0, size());
        s.fill((byte) 0);
        put32(s, NAME_FILTER, nameFilter);
        put8(s, SHARED_COUNT, sharedIds.length);
        for (int i = 0; i < sharedIds.length; i++) {
            put32(s, XATTR_IBODY_HEADER_SIZE + 4L * i, sharedIds[i]);
        }
    }
}
