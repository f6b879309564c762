package org.cfsj.verity;

import java.nio.ByteBuffer;
import java.security.DigestException;
import java.security.MessageDigest;

/**
 * Hashes one Merkle tree block (a data block or a block of hashes) the fs-verity way: salt padded
 * to the hash's input block size first, then the block, zero-padded to the full block size.
 *
 * <p>Not thread-safe: one per thread. The {@link MessageDigest} is reused for every block, and
 * hashes are written straight into the caller's array, so hashing a block allocates nothing.
 */
final class BlockHasher {
    private final MessageDigest md;
    private final byte[] paddedSalt;
    /** Padding source, never written: shared to save allocating and zeroing it per file. */
    private static final byte[] ZEROS = new byte[FsVerityParams.MAX_BLOCK_SIZE];
    /** A block copied out of a direct buffer (MessageDigest hashes arrays fastest); lazy. */
    private byte[] scratch;
    private final int blockSize;
    private final int digestSize;

    BlockHasher(FsVerityParams params) {
        this.md = params.algorithm().newDigest();
        this.paddedSalt = params.paddedSalt();
        this.blockSize = params.blockSize();
        this.digestSize = params.algorithm().digestSize();
    }

    /**
     * Hashes {@code src[off, off+len)} zero-padded to a full block and stores the hash at {@code
     * out[outOff]}.
     */
    void hash(byte[] src, int off, int len, byte[] out, int outOff) {
        if (paddedSalt != null) {
            md.update(paddedSalt);
        }
        md.update(src, off, len);
        if (len < blockSize) {
            md.update(ZEROS, 0, blockSize - len);
        }
        try {
            md.digest(out, outOff, digestSize);
        } catch (DigestException e) {
            throw new IllegalStateException("hash output does not fit", e); // caller sized out wrongly
        }
    }

    /** Hashes every block of {@code src[off, off+len)}, the last one zero-padded, into {@code out}. */
    void hashBlocks(byte[] src, int off, int len, byte[] out, int outOff) {
        while (len > 0) {
            int n = Math.min(len, blockSize);
            hash(src, off, n, out, outOff);
            off += n;
            len -= n;
            outOff += digestSize;
        }
    }

    /** Like {@link #hashBlocks(byte[], int, int, byte[], int)} for all remaining bytes of {@code src}. */
    void hashBlocks(ByteBuffer src, byte[] out, int outOff) {
        if (scratch == null) {
            scratch = new byte[blockSize];
        }
        while (src.hasRemaining()) {
            int n = Math.min(src.remaining(), blockSize);
            src.get(scratch, 0, n);
            hash(scratch, 0, n, out, outOff);
            outOff += digestSize;
        }
    }
}
