package org.cfsj.erofs;

import static org.cfsj.erofs.ErofsLayout.*;
import static org.cfsj.erofs.LittleEndian.*;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The EROFS superblock ({@code struct erofs_super_block}, {@link ErofsLayout#SUPERBLOCK_SIZE}
 * bytes at {@link ErofsLayout#SUPERBLOCK_OFFSET}), fields as stored; the one place that knows
 * where each field sits, for reading an image and for writing one. Unsigned on-disk integers are
 * widened to {@code long} where they can exceed {@code int}. The magic is not a field: reading
 * checks it and writing stores it. Bytes past {@link #PACKED_NID} (reserved) are written as zeros.
 */
public record Superblock(
        int checksum,
        int featureCompat,
        int blkszbits,
        int sbExtslots,
        long rootNid,
        long inos,
        long buildTime,
        int buildTimeNsec,
        long blocks,
        long metaBlkaddr,
        long xattrBlkaddr,
        byte[] uuid,
        byte[] volumeName,
        int featureIncompat,
        int availableComprAlgs,
        int extraDevices,
        int devtSlotoff,
        int dirblkbits,
        int xattrPrefixCount,
        long xattrPrefixStart,
        long packedNid) {

    // Byte offsets of the fields, relative to SUPERBLOCK_OFFSET.
    public static final int MAGIC = 0;
    public static final int CHECKSUM = 4;
    public static final int FEATURE_COMPAT = 8;
    public static final int BLKSZBITS = 12;
    public static final int SB_EXTSLOTS = 13;
    public static final int ROOT_NID = 14; // le16
    public static final int INOS = 16; // le64
    public static final int BUILD_TIME = 24; // le64
    public static final int BUILD_TIME_NSEC = 32; // le32
    public static final int BLOCKS = 36; // le32
    public static final int META_BLKADDR = 40; // le32
    public static final int XATTR_BLKADDR = 44; // le32
    public static final int UUID = 48; // 16 bytes
    public static final int VOLUME_NAME = 64; // 16 bytes
    public static final int FEATURE_INCOMPAT = 80; // le32
    public static final int AVAILABLE_COMPR_ALGS = 84; // le16 (or lz4_max_distance)
    public static final int EXTRA_DEVICES = 86; // le16
    public static final int DEVT_SLOTOFF = 88; // le16
    public static final int DIRBLKBITS = 90;
    public static final int XATTR_PREFIX_COUNT = 91;
    public static final int XATTR_PREFIX_START = 92; // le32
    public static final int PACKED_NID = 96; // le64
    public static final int XATTR_FILTER_RESERVED = 104;

    private static final int UUID_SIZE = 16;
    private static final int VOLUME_NAME_SIZE = 16;

    public boolean hasCompat(int bit) {
        return (featureCompat & bit) != 0;
    }

    public boolean hasIncompat(int bit) {
        return (featureIncompat & bit) != 0;
    }

    public long blockSize() {
        return 1L << blkszbits;
    }

    /**
     * Reads the superblock of {@code image}, which must be at least
     * {@code SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE} bytes long (the caller says so in its own words).
     */
    public static Superblock read(MemorySegment image) throws ErofsFormatException {
        if (image.byteSize() < SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE) {
            throw new IllegalArgumentException("image of " + image.byteSize() + " bytes holds no superblock");
        }
        MemorySegment s = image.asSlice(SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE);
        if ((int) u32(s, MAGIC) != EROFS_MAGIC) {
            throw new ErofsFormatException(String.format(
                    "not an EROFS image: no EROFS magic at offset %d (found 0x%08x)", SUPERBLOCK_OFFSET, u32(s, MAGIC)));
        }
        return new Superblock(
                (int) u32(s, CHECKSUM),
                (int) u32(s, FEATURE_COMPAT),
                u8(s, BLKSZBITS),
                u8(s, SB_EXTSLOTS),
                u16(s, ROOT_NID),
                u64(s, INOS),
                u64(s, BUILD_TIME),
                (int) u32(s, BUILD_TIME_NSEC),
                u32(s, BLOCKS),
                u32(s, META_BLKADDR),
                u32(s, XATTR_BLKADDR),
                bytes(s, UUID, UUID_SIZE),
                bytes(s, VOLUME_NAME, VOLUME_NAME_SIZE),
                (int) u32(s, FEATURE_INCOMPAT),
                u16(s, AVAILABLE_COMPR_ALGS),
                u16(s, EXTRA_DEVICES),
                u16(s, DEVT_SLOTOFF),
                u8(s, DIRBLKBITS),
                u8(s, XATTR_PREFIX_COUNT),
                u32(s, XATTR_PREFIX_START),
                u64(s, PACKED_NID));
    }

    /**
     * Refuses what cfsj does not read: a block size other than 4096, directory blocks of another
     * size, a superblock overflowing its block, compression, extra devices, unknown incompatible
     * features; and checks the checksum when the image has one.
     */
    void checkSupported(MemorySegment image) throws ErofsFormatException {
        if (blkszbits != BLOCK_BITS) {
            throw new ErofsFormatException("unsupported block size 2^" + blkszbits
                    + " (superblock blkszbits); cfsj reads 4096-byte blocks only");
        }
        if (dirblkbits != 0) {
            throw new ErofsFormatException("unsupported directory block size (superblock dirblkbits " + dirblkbits + ")");
        }
        if (SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE + (long) sbExtslots * SB_EXTSLOT_SIZE > BLOCK_SIZE) {
            throw new ErofsFormatException("superblock sb_extslots " + sbExtslots + " makes the superblock overflow its block");
        }
        int inc = featureIncompat;
        if ((inc & FEATURE_INCOMPAT_COMPR_CFGS) != 0) {
            throw new ErofsFormatException("image uses compression (" + compressionNames(availableComprAlgs)
                    + "; feature_incompat COMPR_CFGS/BIG_PCLUSTER), which cfsj does not read");
        }
        if ((inc & FEATURE_INCOMPAT_ZTAILPACKING) != 0) {
            throw new ErofsFormatException("image uses compression (ztailpacking, feature_incompat 0x10), which cfsj does not read");
        }
        if ((inc & FEATURE_INCOMPAT_FRAGMENTS) != 0) {
            throw new ErofsFormatException("image uses compression (fragments/dedupe, feature_incompat 0x20), which cfsj does not read");
        }
        if ((inc & FEATURE_INCOMPAT_DEVICE_TABLE) != 0) {
            throw new ErofsFormatException("image uses extra devices or compressed head2 (feature_incompat 0x8), which cfsj does not read");
        }
        int known = FEATURE_INCOMPAT_ZERO_PADDING | FEATURE_INCOMPAT_COMPR_CFGS | FEATURE_INCOMPAT_CHUNKED_FILE
                | FEATURE_INCOMPAT_DEVICE_TABLE | FEATURE_INCOMPAT_ZTAILPACKING | FEATURE_INCOMPAT_FRAGMENTS
                | FEATURE_INCOMPAT_XATTR_PREFIXES;
        if ((inc & ~known) != 0) {
            throw new ErofsFormatException(String.format(
                    "image uses unknown incompatible features (feature_incompat bits 0x%x), which cfsj does not read", inc & ~known));
        }
        if (hasCompat(FEATURE_COMPAT_SB_CHKSUM)) {
            verifyChecksum(image);
        }
    }

    private static String compressionNames(int algs) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            if ((algs & (1 << i)) != 0) {
                names.add(compressionName(i));
            }
        }
        return names.isEmpty() ? "lz4" : String.join(", ", names);
    }

    /** The kernel's check: crc32c (seed ~0, no final xor) over the superblock's block from offset 1024, checksum field zeroed. */
    private void verifyChecksum(MemorySegment image) throws ErofsFormatException {
        if (image.byteSize() < BLOCK_SIZE) {
            throw new ErofsFormatException("image is truncated: " + image.byteSize() + " bytes, less than one block");
        }
        byte[] block = bytes(image, SUPERBLOCK_OFFSET, BLOCK_SIZE - SUPERBLOCK_OFFSET);
        Arrays.fill(block, CHECKSUM, CHECKSUM + 4, (byte) 0);
        CRC32C crc = new CRC32C();
        crc.update(block);
        int expected = (int) ~crc.getValue();
        if (expected != checksum) {
            throw new ErofsFormatException(String.format(
                    "superblock checksum mismatch (stored 0x%08x, computed 0x%08x): the image is corrupt",
                    checksum, expected));
        }
    }

    /** Writes the {@link ErofsLayout#SUPERBLOCK_SIZE} bytes of the superblock, magic included, at {@code dst}'s start. */
    public void write(MemorySegment dst) {
        MemorySegment s = dst.asSlice(0, SUPERBLOCK_SIZE);
        s.fill((byte) 0);
        put32(s, MAGIC, EROFS_MAGIC);
        put32(s, CHECKSUM, checksum);
        put32(s, FEATURE_COMPAT, featureCompat);
        put8(s, BLKSZBITS, blkszbits);
        put8(s, SB_EXTSLOTS, sbExtslots);
        put16(s, ROOT_NID, rootNid);
        put64(s, INOS, inos);
        put64(s, BUILD_TIME, buildTime);
        put32(s, BUILD_TIME_NSEC, buildTimeNsec);
        put32(s, BLOCKS, blocks);
        put32(s, META_BLKADDR, metaBlkaddr);
        put32(s, XATTR_BLKADDR, xattrBlkaddr);
        putBytes(s, UUID, fixed(uuid, UUID_SIZE, "uuid"));
        putBytes(s, VOLUME_NAME, fixed(volumeName, VOLUME_NAME_SIZE, "volume name"));
        put32(s, FEATURE_INCOMPAT, featureIncompat);
        put16(s, AVAILABLE_COMPR_ALGS, availableComprAlgs);
        put16(s, EXTRA_DEVICES, extraDevices);
        put16(s, DEVT_SLOTOFF, devtSlotoff);
        put8(s, DIRBLKBITS, dirblkbits);
        put8(s, XATTR_PREFIX_COUNT, xattrPrefixCount);
        put32(s, XATTR_PREFIX_START, xattrPrefixStart);
        put64(s, PACKED_NID, packedNid);
    }

    private static byte[] fixed(byte[] b, int size, String what) {
        if (b.length != size) {
            throw new IllegalArgumentException("superblock " + what + " must be " + size + " bytes, not " + b.length);
        }
        return b;
    }
}
