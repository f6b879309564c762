package org.cfsj.verity;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The kernel's {@code struct fsverity_descriptor} (256 bytes, little-endian). The fs-verity file
 * digest is the hash of this structure, so it must be byte-exact:
 *
 * <pre>
 *   u8 version (1), u8 hash_algorithm, u8 log_blocksize, u8 salt_size,
 *   le32 reserved (0), le64 data_size, u8 root_hash[64], u8 salt[32], u8 reserved[144]
 * </pre>
 *
 * @param params hash algorithm, block size and salt of the tree
 * @param dataSize file size in bytes
 * @param rootHash the Merkle tree root hash ({@code digestSize} bytes; zero-padded to 64 here)
 */
record FsVerityDescriptor(FsVerityParams params, long dataSize, byte[] rootHash) {
    static final int SIZE = 256;
    private static final int VERSION = 1;
    private static final int ROOT_HASH_FIELD = 64;

    FsVerityDescriptor {
        if (rootHash.length != params.algorithm().digestSize()) {
            throw new IllegalArgumentException("root hash has " + rootHash.length + " bytes, expected "
                    + params.algorithm().digestSize());
        }
        if (dataSize < 0) {
            throw new IllegalArgumentException("negative data size " + dataSize);
        }
    }

    byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) VERSION);
        b.put((byte) params.algorithm().kernelId());
        b.put((byte) params.logBlockSize());
        b.put((byte) params.saltSize());
        b.putInt(0);
        b.putLong(dataSize);
        b.put(rootHash);
        b.position(b.position() + ROOT_HASH_FIELD - rootHash.length);
        b.put(params.salt());
        // The rest (salt padding and the 144 reserved bytes) stays zero.
        return b.array();
    }

    /** The fs-verity file digest: the descriptor hashed with the tree's algorithm, never salted. */
    byte[] digest(BlockHasher hasher) {
        return hasher.hashPlain(toBytes());
    }
}
