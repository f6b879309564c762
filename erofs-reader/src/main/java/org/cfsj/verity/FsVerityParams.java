package org.cfsj.verity;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * How an fs-verity Merkle tree is built: the hash function, the Merkle tree block size and an
 * optional salt. The digest of a file depends on all three, so they travel together.
 *
 * @param algorithm hash function for the tree and the descriptor
 * @param blockSize Merkle tree block size: a power of two from 1024 to 65536 (the kernel allows
 *     other sizes in theory, but composefs and fsverity-utils users stay within these)
 * @param salt bytes prepended (zero-padded to the hash's input block size) to every hashed block;
 *     empty for no salt, at most 32 bytes
 */
public record FsVerityParams(HashAlgorithm algorithm, int blockSize, byte[] salt) {
    public static final int MIN_BLOCK_SIZE = 1024;
    public static final int MAX_BLOCK_SIZE = 65536;
    public static final int MAX_SALT_SIZE = 32;

    /** composefs' choice and the kernel's default: SHA-256, 4 KiB blocks, no salt. */
    public static final FsVerityParams DEFAULT = new FsVerityParams(HashAlgorithm.SHA256, 4096, new byte[0]);

    public FsVerityParams {
        Objects.requireNonNull(algorithm, "algorithm");
        if (blockSize < MIN_BLOCK_SIZE || blockSize > MAX_BLOCK_SIZE || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException(
                    "block size " + blockSize + " is not a power of two between 1024 and 65536");
        }
        salt = salt == null ? new byte[0] : salt.clone();
        if (salt.length > MAX_SALT_SIZE) {
            throw new IllegalArgumentException(
                    "salt is " + salt.length + " bytes, fs-verity allows at most " + MAX_SALT_SIZE);
        }
    }

    public FsVerityParams(HashAlgorithm algorithm, int blockSize) {
        this(algorithm, blockSize, new byte[0]);
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    /** log2 of the block size, as stored in {@code fsverity_descriptor.log_blocksize}. */
    public int logBlockSize() {
        return Integer.numberOfTrailingZeros(blockSize);
    }

    /** How many hashes fit in one Merkle tree block. */
    public int hashesPerBlock() {
        return blockSize / algorithm.digestSize();
    }

    int saltSize() {
        return salt.length;
    }

    /** The salt zero-padded to the hash's input block size, or null without salt. */
    byte[] paddedSalt() {
        if (salt.length == 0) {
            return null;
        }
        return Arrays.copyOf(salt, algorithm.inputBlockSize());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FsVerityParams p
                && p.algorithm == algorithm
                && p.blockSize == blockSize
                && Arrays.equals(p.salt, salt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(algorithm, blockSize, Arrays.hashCode(salt));
    }

    @Override
    public String toString() {
        return algorithm.shortName() + ", " + blockSize + "-byte blocks"
                + (salt.length == 0 ? "" : ", salt " + HexFormat.of().formatHex(salt));
    }
}
