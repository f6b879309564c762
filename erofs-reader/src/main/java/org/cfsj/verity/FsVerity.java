package org.cfsj.verity;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;

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
        int n = threadCount(threads);
        BasicFileAttributes attrs = readableFileAttributes(file);
        if (n > 1 && isLarge(attrs)) {
            try (ExecutorService pool = FileDigest.newPool(n)) {
                return digest(file, attrs, params, pool, n);
            }
        }
        return digest(file, attrs, params, null, 1);
    }

    /** Receives digests from {@link #digestAll}, in the order of the files. */
    @FunctionalInterface
    public interface DigestSink {
        void accept(Path file, byte[] digest) throws IOException;
    }

    /**
     * Digests of many files, passed to {@code sink} in the order of {@code files}. With more than
     * one thread, small files are hashed concurrently and large ones each by all threads. Stops at
     * the first file that fails (its exception is thrown after the digests of the files before it
     * went to the sink), like {@code fsverity digest FILE...}.
     */
    public static void digestAll(List<Path> files, FsVerityParams params, int threads, DigestSink sink)
            throws IOException {
        int n = threadCount(threads);
        if (n == 1) {
            for (Path f : files) {
                sink.accept(f, digest(f, params, 1));
            }
            return;
        }
        try (ExecutorService pool = FileDigest.newPool(n)) {
            BatchDigest.run(files, params, pool, n, sink);
        }
    }

    /** Hashes an opened, checked file; in parallel on {@code pool} if given and the file is large. */
    static byte[] digest(Path file, BasicFileAttributes attrs, FsVerityParams params, ExecutorService pool,
            int parallelism) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (pool != null && isLarge(attrs)) {
                return FileDigest.parallel(ch, ch.size(), params, pool, parallelism);
            }
            // Anything else, including pipes and devices, is read to its end.
            return FileDigest.sequential(ch, params);
        }
    }

    /** The file's attributes, or an exception saying why its data cannot be hashed. */
    static BasicFileAttributes readableFileAttributes(Path file) throws IOException {
        BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
        if (attrs.isDirectory()) {
            throw new FileSystemException(file.toString(), null, "is a directory");
        }
        return attrs;
    }

    /** Whether splitting the file among threads pays (only regular files have a reliable size). */
    static boolean isLarge(BasicFileAttributes attrs) {
        return attrs.isRegularFile() && attrs.size() >= PARALLEL_THRESHOLD;
    }

    private static int threadCount(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0, got " + threads);
        }
        return threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
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
