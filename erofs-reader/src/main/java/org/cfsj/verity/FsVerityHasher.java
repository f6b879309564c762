package org.cfsj.verity;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Computes an fs-verity file digest from data fed in pieces of any size, e.g. while a file is
 * being written. Memory stays at one block per tree level (a few blocks for any file size): the
 * Merkle tree is built bottom-up as data arrives, and a tree block is hashed into the level above
 * as soon as it is full.
 *
 * <p>The tree (Documentation/filesystems/fsverity.rst): the data is cut into blocks, the last one
 * zero-padded; each block is hashed. Those hashes, concatenated and cut into zero-padded blocks,
 * form the lowest tree level ({@code levels.get(0)} here); the hashes of that level's blocks form
 * the next level, and so on until one block remains. Its hash is the root hash (for a file of one
 * block, the hash of that data block; for an empty file, all zeros). The file digest is the hash
 * of the {@link FsVerityDescriptor} that holds the root hash.
 *
 * <p>Not thread-safe. {@link #finish()} may be called once.
 */
public final class FsVerityHasher {
    private final FsVerityParams params;
    private final BlockHasher blockHasher;
    private final int blockSize;
    private final int digestSize;
    /** The data block being filled when input arrives in pieces not aligned to blocks. */
    private final byte[] partial;
    private int partialLength;
    private final List<Level> levels = new ArrayList<>();
    private long dataSize;
    /** Set once a short (final) data block was hashed: no more data may follow. */
    private boolean sawLastBlock;
    private boolean finished;

    /** One tree level: the block of hashes being filled, and how many hashes it has had in all. */
    private static final class Level {
        final byte[] block;
        int fill;
        long hashCount;

        Level(int blockSize) {
            block = new byte[blockSize];
        }
    }

    /** SHA-256, 4096-byte blocks, no salt: what composefs names its objects by. */
    public FsVerityHasher() {
        this(FsVerityParams.DEFAULT);
    }

    public FsVerityHasher(HashAlgorithm algorithm, int blockSize) {
        this(new FsVerityParams(algorithm, blockSize));
    }

    public FsVerityHasher(FsVerityParams params) {
        this.params = Objects.requireNonNull(params, "params");
        this.blockHasher = new BlockHasher(params);
        this.blockSize = params.blockSize();
        this.digestSize = params.algorithm().digestSize();
        this.partial = new byte[blockSize];
    }

    public FsVerityParams params() {
        return params;
    }

    /** Bytes of data fed so far. */
    public long dataSize() {
        return dataSize;
    }

    public void update(byte[] b) {
        update(b, 0, b.length);
    }

    public void update(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        checkOpen();
        dataSize += len;
        if (partialLength > 0) {
            int n = Math.min(len, blockSize - partialLength);
            System.arraycopy(b, off, partial, partialLength, n);
            partialLength += n;
            off += n;
            len -= n;
            if (partialLength < blockSize) {
                return;
            }
            hashDataBlock(partial, 0, blockSize);
            partialLength = 0;
        }
        // Whole blocks are hashed where they lie: no copy.
        while (len >= blockSize) {
            hashDataBlock(b, off, blockSize);
            off += blockSize;
            len -= blockSize;
        }
        if (len > 0) {
            System.arraycopy(b, off, partial, 0, len);
            partialLength = len;
        }
    }

    /** Consumes the buffer's remaining bytes (its position ends at its limit). */
    public void update(ByteBuffer buf) {
        if (buf.hasArray()) {
            int n = buf.remaining();
            update(buf.array(), buf.arrayOffset() + buf.position(), n);
            buf.position(buf.limit());
            return;
        }
        checkOpen();
        // Direct or read-only buffers: copied block by block (a copy costs little next to the hash).
        while (buf.hasRemaining()) {
            int n = Math.min(buf.remaining(), blockSize - partialLength);
            buf.get(partial, partialLength, n);
            partialLength += n;
            dataSize += n;
            if (partialLength == blockSize) {
                hashDataBlock(partial, 0, blockSize);
                partialLength = 0;
            }
        }
    }

    /**
     * Adds hashes of data blocks computed elsewhere (by the parallel file digest), in file order.
     * Only valid while no partial block is pending; {@code dataBytes} may end in a short block,
     * which must then be the file's last.
     */
    void appendDataBlockHashes(byte[] hashes, int off, int count, long dataBytes) {
        checkOpen();
        if (partialLength != 0) {
            throw new IllegalStateException("block hashes appended after unaligned data");
        }
        if (dataBytes <= (long) (count - 1) * blockSize || dataBytes > (long) count * blockSize) {
            throw new IllegalArgumentException(count + " block hashes cannot cover " + dataBytes + " bytes");
        }
        dataSize += dataBytes;
        for (int i = 0; i < count; i++) {
            Level level0 = level(0);
            System.arraycopy(hashes, off + i * digestSize, level0.block, level0.fill, digestSize);
            added(0);
        }
        sawLastBlock = dataBytes % blockSize != 0;
    }

    /** Completes the tree and returns the fs-verity file digest. */
    public byte[] finish() {
        byte[] digest = new FsVerityDescriptor(params, dataSize, rootHash()).digest(blockHasher);
        blockHasher.close();
        return digest;
    }

    /** Completes the tree and returns its root hash (all zeros for empty data). */
    byte[] rootHash() {
        checkOpen();
        finished = true;
        byte[] root = new byte[digestSize];
        if (dataSize == 0) {
            return root;
        }
        if (partialLength > 0) {
            hashDataBlock(partial, 0, partialLength);
            partialLength = 0;
        }
        for (int i = 0; ; i++) {
            Level level = levels.get(i);
            if (level.hashCount == 1) {
                // A level with a single hash is the top: that hash is the root.
                System.arraycopy(level.block, 0, root, 0, digestSize);
                return root;
            }
            if (level.fill > 0) {
                hashTreeBlock(i, level.fill);
            }
        }
    }

    private void hashDataBlock(byte[] src, int off, int len) {
        if (sawLastBlock) {
            throw new IllegalStateException("data after the final short block");
        }
        Level level0 = level(0);
        blockHasher.hash(src, off, len, level0.block, level0.fill);
        added(0);
    }

    /** Records a hash just stored in level {@code i}; a full block moves up at once. */
    private void added(int i) {
        Level level = levels.get(i);
        level.fill += digestSize;
        level.hashCount++;
        if (level.fill + digestSize > blockSize) {
            hashTreeBlock(i, level.fill);
        }
    }

    /** Hashes level {@code i}'s block (first {@code len} bytes, zero-padded) into level i + 1. */
    private void hashTreeBlock(int i, int len) {
        Level level = levels.get(i);
        Level parent = level(i + 1);
        blockHasher.hash(level.block, 0, len, parent.block, parent.fill);
        level.fill = 0;
        added(i + 1);
    }

    private Level level(int i) {
        if (i == levels.size()) {
            levels.add(new Level(blockSize));
        }
        return levels.get(i);
    }

    private void checkOpen() {
        if (finished) {
            throw new IllegalStateException("finish() was already called");
        }
    }
}
