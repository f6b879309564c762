package org.cfsj.erofs;

/**
 * The EROFS superblock ({@code struct erofs_super_block} at offset 1024), fields as stored.
 * Unsigned on-disk integers are widened to {@code long} where they can exceed {@code int}.
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

    public boolean hasCompat(int bit) {
        return (featureCompat & bit) != 0;
    }

    public boolean hasIncompat(int bit) {
        return (featureIncompat & bit) != 0;
    }

    public long blockSize() {
        return 1L << blkszbits;
    }
}
