package org.cfsj.verity;

import java.nio.ByteBuffer;
import org.cfsj.digest.HashContext;

/**
 * Hashes one Merkle tree block (a data block or a block of hashes) the fs-verity way: salt padded
 * to the hash's input block size first, then the block, zero-padded to the full block size.
 *
 * <p>Not thread-safe: one per thread. The {@link HashContext} is reused for every block, and
 * hashes are written straight into the caller's array, so hashing a block allocates nothing.
 */
final class BlockHasher implements AutoCloseable {
    private final HashContext md;
    private final byte[] paddedSalt;
    /** Padding source, never written: shared to save allocating and zeroing it per file. */
    private static final byte[] ZEROS = new byte[FsVerityParams.MAX_BLOCK_SIZE];
    private final int blockSize;
    private final int digestSize;

    BlockHasher(FsVerityParams params) {
        this.md = params.algorithm().newContext();
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
        finishBlock(len, out, outOff);
    }

    private void finishBlock(int len, byte[] out, int outOff) {
        if (len < blockSize) {
            md.update(ZEROS, 0, blockSize - len);
        }
        md.digest(out, outOff);
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
        int end = src.limit();
        try {
            while (src.position() < end) {
                int n = Math.min(end - src.position(), blockSize);
                if (paddedSalt != null) {
                    md.update(paddedSalt);
                }
                src.limit(src.position() + n);
                md.update(src); // in place, also for a direct buffer
                finishBlock(n, out, outOff);
                outOff += digestSize;
            }
        } finally {
            src.limit(end);
        }
    }

    /** The hash of {@code data} as it is (no salt, no padding), e.g. of a descriptor. */
    byte[] hashPlain(byte[] data) {
        md.update(data);
        return md.digest();
    }

    /** Frees the hash context at once (else it is freed once unreachable). */
    @Override
    public void close() {
        md.close();
    }
}
