package org.cfsj.verity;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads a file and computes its fs-verity digest, on the calling thread or on several.
 *
 * <p>Almost all the work is hashing the data blocks; the tree levels above them hold 1/128 of the
 * data (SHA-256, 4 KiB) and cost nothing in comparison. So the parallel path splits the file at
 * data block boundaries into chunks, hashes chunks on worker threads, and feeds the resulting
 * block hashes, in file order, to one {@link FsVerityHasher} that builds the upper levels. Only a
 * bounded window of chunks is in flight, so memory does not grow with the file.
 */
final class FileDigest {
    /** Unit of parallel work; many per thread so that threads finish together. */
    private static final int CHUNK_SIZE = 1024 * 1024;
    /** Chunks queued per thread ahead of the consumer. */
    private static final int CHUNKS_IN_FLIGHT_PER_THREAD = 4;

    private FileDigest() {}

    /** Digest of everything {@code channel} reads from its current position to end of file. */
    static byte[] sequential(FileChannel channel, FsVerityParams params) throws IOException {
        FsVerityHasher hasher = new FsVerityHasher(params);
        ByteBuffer buf = ReadBuffers.acquire();
        try {
            while (channel.read(buf) >= 0) {
                if (!buf.hasRemaining()) {
                    hasher.update(buf.flip());
                    buf.clear();
                }
            }
            hasher.update(buf.flip());
        } finally {
            ReadBuffers.release(buf);
        }
        return hasher.finish();
    }

    /**
     * Digest of the first {@code size} bytes of {@code channel}, its chunks hashed by {@code pool},
     * which has {@code parallelism} threads (a few chunks per thread are queued ahead). Fails if
     * the file is shorter than {@code size}.
     */
    static byte[] parallel(FileChannel channel, long size, FsVerityParams params, ExecutorService pool,
            int parallelism) throws IOException {
        FsVerityHasher hasher = new FsVerityHasher(params);
        int digestSize = params.algorithm().digestSize();
        long chunks = (size + CHUNK_SIZE - 1) / CHUNK_SIZE;
        Deque<Future<byte[]>> inFlight = new ArrayDeque<>();
        try {
            long next = 0;
            for (long done = 0; done < chunks; done++) {
                while (next < chunks && inFlight.size() < parallelism * CHUNKS_IN_FLIGHT_PER_THREAD) {
                    long start = next++ * CHUNK_SIZE;
                    int length = (int) Math.min(CHUNK_SIZE, size - start);
                    inFlight.add(pool.submit(() -> hashChunk(channel, params, start, length)));
                }
                byte[] hashes = await(inFlight.remove());
                long length = Math.min(CHUNK_SIZE, size - done * CHUNK_SIZE);
                hasher.appendDataBlockHashes(hashes, 0, hashes.length / digestSize, length);
            }
        } finally {
            // On failure, queued chunks need not run. (No interrupt: it would close the channel.)
            inFlight.forEach(f -> f.cancel(false));
        }
        return hasher.finish();
    }

    /** Like above, on {@code threads} threads that exist only during this call. */
    static byte[] parallel(FileChannel channel, long size, FsVerityParams params, int threads)
            throws IOException {
        try (ExecutorService pool = newPool(threads)) {
            return parallel(channel, size, params, pool, threads);
        }
    }

    static ExecutorService newPool(int threads) {
        return Executors.newFixedThreadPool(threads, daemonThreads());
    }

    /** The future's value; its failure rethrown as the IOException (or unchecked one) it was. */
    static <T> T await(Future<T> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while hashing");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IOException(cause);
        }
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "fsverity-hash-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Hashes of the data blocks in {@code [start, start+length)}; start is block-aligned. */
    private static byte[] hashChunk(FileChannel channel, FsVerityParams params, long start, int length) {
        BlockHasher hasher = new BlockHasher(params);
        int blockSize = params.blockSize();
        int digestSize = params.algorithm().digestSize();
        byte[] out = new byte[(length + blockSize - 1) / blockSize * digestSize];
        int outOff = 0;
        ByteBuffer buf = ReadBuffers.acquire();
        try {
            for (int done = 0; done < length; ) {
                buf.clear().limit(Math.min(ReadBuffers.SIZE, length - done));
                readFully(channel, start + done, buf);
                // The buffer size is a multiple of every block size: pieces stay block-aligned.
                int n = buf.flip().remaining();
                hasher.hashBlocks(buf, out, outOff);
                outOff += (n + blockSize - 1) / blockSize * digestSize;
                done += n;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            ReadBuffers.release(buf);
            hasher.close();
        }
        return out;
    }

    private static void readFully(FileChannel channel, long position, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            int n = channel.read(b, position);
            if (n < 0) {
                throw new EOFException("file shrank while its digest was computed");
            }
            position += n;
        }
    }
}
