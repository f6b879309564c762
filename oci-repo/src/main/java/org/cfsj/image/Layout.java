package org.cfsj.image;

/** EROFS and composefs on-disk constants the writer needs (see the kernel's erofs_fs.h). */
final class Layout {
    static final int BLOCK_SIZE = 4096;
    static final int BLOCK_BITS = 12;
    static final int SLOT_SIZE = 32;
    static final int SUPER_OFFSET = 1024;
    static final int SUPER_SIZE = 128;
    static final int EROFS_MAGIC = 0xE0F5E1E2;
    static final int COMPOSEFS_MAGIC = 0xd078629a;
    static final int COMPOSEFS_HEADER_VERSION = 1;
    static final int COMPOSEFS_FLAG_HAS_ACL = 1;
    static final int FEATURE_COMPAT_MTIME = 0x2;
    static final int FEATURE_COMPAT_XATTR_FILTER = 0x4;

    static final int INODE_COMPACT_SIZE = 32;
    static final int INODE_EXTENDED_SIZE = 64;
    static final int LAYOUT_FLAT_PLAIN = 0;
    static final int LAYOUT_FLAT_INLINE = 2;
    static final int LAYOUT_CHUNK_BASED = 4;
    static final int CHUNK_FORMAT_BLKBITS_MASK = 0x1f;
    static final int NULL_ADDR = 0xffffffff;

    static final int DIRENT_SIZE = 12;
    static final int XATTR_HEADER_SIZE = 12;
    static final int XATTR_ENTRY_SIZE = 4;
    static final int XATTR_LONG_PREFIX = 0x80;
    static final int XATTR_FILTER_BITS = 32;
    static final int XATTR_FILTER_SEED = 0x25BBE08F;

    /** Most chunks an external file may have: composefs keeps its null chunk index in one block. */
    static final int MAX_NONINLINE_CHUNKS = 1024;

    static final int FT_REG = 1, FT_DIR = 2, FT_CHR = 3, FT_BLK = 4, FT_FIFO = 5, FT_SOCK = 6, FT_SYMLINK = 7;

    private Layout() {}

    static long roundUp(long v, long align) {
        return (v + align - 1) / align * align;
    }
}
