package org.cfsj.erofs;

/**
 * EROFS and composefs on-disk constants, shared by the reader and the image writer. Where each
 * field of a structure sits is known only to the structure's own type ({@link Superblock},
 * {@link ComposefsHeader}, {@link Inode}, {@link Dirent}, {@link XattrIbody}, {@link XattrEntry}).
 *
 * <p>Facts come from the kernel's {@code fs/erofs/erofs_fs.h} and composefs's
 * {@code lcfs-erofs.h}. All multi-byte on-disk integers are little-endian.
 */
public final class ErofsLayout {
    private ErofsLayout() {}

    // ---- geometry ----
    /** The only block size cfsj reads and writes (blkszbits 12). */
    public static final int BLOCK_SIZE = 4096;
    public static final int BLOCK_BITS = 12;
    /** Inodes are addressed in 32-byte slots: offset = meta_blkaddr * BLOCK_SIZE + nid * SLOT_SIZE. */
    public static final int SLOT_SIZE = 32;
    public static final int SLOT_BITS = 5;
    public static final int INODE_COMPACT_SIZE = 32;
    public static final int INODE_EXTENDED_SIZE = 64;
    public static final int DIRENT_SIZE = 12;
    public static final int XATTR_IBODY_HEADER_SIZE = 12;
    public static final int XATTR_ENTRY_HEADER_SIZE = 4;
    /** Maximum length of one name in a directory. */
    public static final int NAME_MAX = 255;
    /** Linux PATH_MAX: symlink targets must be shorter than this. */
    public static final int PATH_MAX = 4096;

    // ---- superblock ----
    public static final int SUPERBLOCK_OFFSET = 1024;
    public static final int SUPERBLOCK_SIZE = 128;
    public static final int EROFS_MAGIC = 0xE0F5E1E2;
    /** Size of one superblock extension slot (superblock size = 128 + sb_extslots * 16). */
    public static final int SB_EXTSLOT_SIZE = 16;

    // feature_compat bits
    public static final int FEATURE_COMPAT_SB_CHKSUM = 0x1;
    public static final int FEATURE_COMPAT_MTIME = 0x2;
    public static final int FEATURE_COMPAT_XATTR_FILTER = 0x4;

    // feature_incompat bits (some bit values have two names, one per era of the format)
    public static final int FEATURE_INCOMPAT_ZERO_PADDING = 0x1; // a.k.a. LZ4_0PADDING
    public static final int FEATURE_INCOMPAT_COMPR_CFGS = 0x2; // same bit as BIG_PCLUSTER
    public static final int FEATURE_INCOMPAT_BIG_PCLUSTER = 0x2;
    public static final int FEATURE_INCOMPAT_CHUNKED_FILE = 0x4;
    public static final int FEATURE_INCOMPAT_DEVICE_TABLE = 0x8; // same bit as COMPR_HEAD2
    public static final int FEATURE_INCOMPAT_COMPR_HEAD2 = 0x8;
    public static final int FEATURE_INCOMPAT_ZTAILPACKING = 0x10;
    public static final int FEATURE_INCOMPAT_FRAGMENTS = 0x20; // same bit as DEDUPE
    public static final int FEATURE_INCOMPAT_DEDUPE = 0x20;
    public static final int FEATURE_INCOMPAT_XATTR_PREFIXES = 0x40;

    // ---- composefs header (at offset 0, before the superblock) ----
    public static final int COMPOSEFS_MAGIC = 0xd078629a;
    public static final int COMPOSEFS_VERSION = 1;
    public static final int COMPOSEFS_HEADER_SIZE = 32;
    public static final int COMPOSEFS_FLAGS_HAS_ACL = 0x1;

    // ---- inodes ----
    /** Bit 0 of i_format: 0 = compact (32 bytes), 1 = extended (64 bytes). */
    public static final int I_VERSION_MASK = 0x1;
    public static final int I_DATALAYOUT_BIT = 1;
    public static final int I_DATALAYOUT_MASK = 0x7;

    public static final int LAYOUT_FLAT_PLAIN = 0;
    public static final int LAYOUT_COMPRESSED_FULL = 1;
    public static final int LAYOUT_FLAT_INLINE = 2;
    public static final int LAYOUT_COMPRESSED_COMPACT = 3;
    public static final int LAYOUT_CHUNK_BASED = 4;

    /** A hole in a chunk-based file (all-ones block address). */
    public static final int NULL_ADDR = 0xFFFFFFFF;
    /** Low bits of the chunk format: chunk size = BLOCK_SIZE << (format & mask). */
    public static final int CHUNK_FORMAT_BLKBITS_MASK = 0x1F;
    /** Chunk format flag: 8-byte chunk indexes instead of a 4-byte block address array. */
    public static final int CHUNK_FORMAT_INDEXES = 0x20;
    public static final int CHUNK_ADDR_SIZE = 4;
    public static final int CHUNK_INDEX_SIZE = 8;

    // ---- directory entries: file_type values ----
    public static final int FT_UNKNOWN = 0;
    public static final int FT_REG_FILE = 1;
    public static final int FT_DIR = 2;
    public static final int FT_CHRDEV = 3;
    public static final int FT_BLKDEV = 4;
    public static final int FT_FIFO = 5;
    public static final int FT_SOCK = 6;
    public static final int FT_SYMLINK = 7;

    // ---- xattrs ----
    public static final int XATTR_INDEX_NONE = 0;
    public static final int XATTR_INDEX_USER = 1;
    public static final int XATTR_INDEX_POSIX_ACL_ACCESS = 2;
    public static final int XATTR_INDEX_POSIX_ACL_DEFAULT = 3;
    public static final int XATTR_INDEX_TRUSTED = 4;
    public static final int XATTR_INDEX_LUSTRE = 5;
    public static final int XATTR_INDEX_SECURITY = 6;
    /** Bit 7 of e_name_index: the low 7 bits index the superblock's long name prefixes. */
    public static final int XATTR_LONG_PREFIX = 0x80;
    public static final int XATTR_LONG_PREFIX_MASK = 0x7F;
    public static final int XATTR_FILTER_SEED = 0x25BBE08F;

    private static final String[] COMPRESSION_NAMES = {"lz4", "lzma", "deflate", "zstd"};

    /** The name of a compression algorithm number (as in {@code available_compr_algs} bits and map headers). */
    public static String compressionName(int algorithm) {
        return algorithm >= 0 && algorithm < COMPRESSION_NAMES.length ? COMPRESSION_NAMES[algorithm] : "algorithm " + algorithm;
    }

    /** The dirent file_type for st_mode type bits. */
    public static int fileTypeOf(int mode) {
        return switch (mode & 0170000) {
            case 0100000 -> FT_REG_FILE;
            case 0040000 -> FT_DIR;
            case 0020000 -> FT_CHRDEV;
            case 0060000 -> FT_BLKDEV;
            case 0010000 -> FT_FIFO;
            case 0140000 -> FT_SOCK;
            case 0120000 -> FT_SYMLINK;
            default -> FT_UNKNOWN;
        };
    }
}
