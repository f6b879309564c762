package org.cfsj.verity;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HexFormat;

/**
 * fs-verity file digests, computed in user space exactly as the kernel's
 * Documentation/filesystems/fsverity.rst defines them (and as {@code fsverity digest} prints
 * them). composefs names backing objects by this digest and stores it in the image so that the
 * kernel can check a file's verity on open.
 *
 * <p>For data produced piece by piece (e.g. an image while it is written), use {@link
 * FsVerityHasher}.
 */
public final class FsVerity {
    /**
     * Files at least this large are hashed by several threads when more than one is allowed: below
     * it, starting threads costs about as much as it saves.
     */
    public static final long PARALLEL_THRESHOLD = 8L * 1024 * 1024;

    private static final HexFormat HEX = HexFormat.of();

    private FsVerity() {}

    /** Digest of {@code data} with SHA-256, 4096-byte blocks, no salt. */
    public static byte[] digest(byte[] data) {
        FsVerityHasher h = new FsVerityHasher();
        h.update(data, 0, data.length);
        return h.finish();
    }

    /**
     * Digest of a file with SHA-256, 4096-byte blocks, no salt; large files are hashed with one
     * thread per available processor.
     */
    public static byte[] digest(Path file) throws IOException {
        return digest(file, FsVerityParams.DEFAULT, 0);
    }

    /**
     * Digest of a file.
     *
     * @param blockSize Merkle tree block size, a power of two from 1024 to 65536
     * @param threads 1 for the calling thread only, 0 for one thread per available processor, or
     *     the number of hashing threads for files of at least {@link #PARALLEL_THRESHOLD} bytes
     */
    public static byte[] digest(Path file, HashAlgorithm alg, int blockSize, int threads) throws IOException {
        return digest(file, new FsVerityParams(alg, blockSize), threads);
    }

    /** Digest of a file with any parameters (including a salt); {@code threads} as above. */
    public static byte[] digest(Path file, FsVerityParams params, int threads) throws IOException {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0, got " + threads);
        }
        int n = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
        if (attrs.isDirectory()) {
            throw new FileSystemException(file.toString(), null, "is a directory");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            // Regular files only: for pipes and devices the size says nothing, so read to the end.
            if (n > 1 && attrs.isRegularFile() && attrs.size() >= PARALLEL_THRESHOLD) {
                return FileDigest.parallel(ch, ch.size(), params, n);
            }
            return FileDigest.sequential(ch, attrs.isRegularFile() ? attrs.size() : -1, params);
        }
    }

    /** Lowercase hex, as {@code fsverity digest} prints digests. */
    public static String toHex(byte[] digest) {
        return HEX.formatHex(digest);
    }

    /**
     * The path of a composefs object relative to the objects directory: first byte in hex, '/',
     * the remaining bytes in hex ({@code "3d/248ca5...af95"}).
     */
    public static String objectPath(byte[] digest) {
        if (digest.length < 2) {
            throw new IllegalArgumentException("digest too short: " + digest.length + " bytes");
        }
        return HEX.toHexDigits(digest[0]) + "/" + HEX.formatHex(digest, 1, digest.length);
    }
}
