package org.cfsj.erofs.write;

import org.cfsj.erofs.ErofsLayout;

/**
 * How an external file is cut into chunks: the fewest that cover it, each at least a block and at
 * most 2^(12+31) bytes. Its chunk index holds only null addresses (the data is in the backing
 * object) and is inline when it fits the inode's block, else one block of
 * {@link #MAX_NONINLINE_CHUNKS} entries.
 */
record Chunking(int bits, long count) {
    /** Most chunks an external file may have: composefs keeps its null chunk index in one block. */
    static final int MAX_NONINLINE_CHUNKS = 1024;

    static Chunking of(long size) {
        int bits = 64 - Long.numberOfLeadingZeros(size - 1); // ilog2(size - 1) + 1
        bits = Math.max(bits, ErofsLayout.BLOCK_BITS);
        bits = Math.min(bits, ErofsLayout.CHUNK_FORMAT_BLKBITS_MASK + ErofsLayout.BLOCK_BITS);
        long chunk = 1L << bits;
        long count = Long.divideUnsigned(size, chunk) + (Long.remainderUnsigned(size, chunk) != 0 ? 1 : 0);
        return new Chunking(bits, count);
    }

    /** The chunk format of the inode's {@code i_u}: log2 of the chunk size in blocks. */
    int format() {
        return bits - ErofsLayout.BLOCK_BITS;
    }
}
