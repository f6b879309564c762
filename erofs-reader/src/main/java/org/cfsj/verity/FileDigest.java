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
    /**
     * Read size: small enough that a buffer just read is still in L2 when it is hashed (the read
     * into a heap array goes through a JDK temporary buffer, one extra copy that is cheap in cache).
     */
    private static final int READ_SIZE = 256 * 1024;
    /** Unit of parallel work; many per thread so that threads finish together. */
    private static final int CHUNK_SIZE = 1024 * 1024;
    /** Chunks queued per thread ahead of the consumer. */
    private static final int CHUNKS_IN_FLIGHT_PER_THREAD = 4;

    private FileDigest() {}

    /**
     * Digest of everything {@code channel} reads from its current position to end of file. {@code
     * sizeHint} (the expected size, or -1) only keeps the read buffer small for small files, which
     * are the common case in container images.
     */
    static byte[] sequential(FileChannel channel, long sizeHint, FsVerityParams params) throws IOException {
        FsVerityHasher hasher = new FsVerityHasher(params);
        int bufferSize = sizeHint < 0 || sizeHint >= READ_SIZE ? READ_SIZE : (int) sizeHint + 1;
        ByteBuffer buf = ByteBuffer.allocate(bufferSize);
        while (channel.read(buf) >= 0) {
            if (!buf.hasRemaining()) {
                buf.flip();
                hasher.update(buf);
                buf.clear();
            }
        }
        buf.flip();
        hasher.update(buf);
        return hasher.finish();
    }

    /**
     * Digest of the first {@code size} bytes of {@code channel}, hashed by {@code threads} worker
     * threads that exist only during this call. Fails if the file is shorter than {@code size}.
     */
    static byte[] parallel(FileChannel channel, long size, FsVerityParams params, int threads)
            throws IOException {
        FsVerityHasher hasher = new FsVerityHasher(params);
        int digestSize = params.algorithm().digestSize();
        long chunks = (size + CHUNK_SIZE - 1) / CHUNK_SIZE;
        // Each worker thread reuses one read buffer and one block hasher for all its chunks.
        ThreadLocal<Worker> workers = ThreadLocal.withInitial(() -> new Worker(channel, params));
        Deque<Future<byte[]>> inFlight = new ArrayDeque<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads, daemonThreads())) {
            try {
                long next = 0;
                for (long done = 0; done < chunks; done++) {
                    while (next < chunks && inFlight.size() < threads * CHUNKS_IN_FLIGHT_PER_THREAD) {
                        long start = next++ * CHUNK_SIZE;
                        int length = (int) Math.min(CHUNK_SIZE, size - start);
                        inFlight.add(pool.submit(() -> workers.get().hashChunk(start, length)));
                    }
                    byte[] hashes = await(inFlight.remove());
                    long start = done * CHUNK_SIZE;
                    long length = Math.min(CHUNK_SIZE, size - start);
                    hasher.appendDataBlockHashes(hashes, 0, hashes.length / digestSize, length);
                }
            } finally {
                // On failure, do not let queued chunks run on while close() waits for them.
                inFlight.forEach(f -> f.cancel(true));
            }
        }
        return hasher.finish();
    }

    private static byte[] await(Future<byte[]> f) throws IOException {
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

    /** Per-thread state of the parallel path. */
    private static final class Worker {
        private final FileChannel channel;
        private final BlockHasher hasher;
        private final int blockSize;
        private final int digestSize;
        private final ByteBuffer buf = ByteBuffer.allocate(READ_SIZE);

        Worker(FileChannel channel, FsVerityParams params) {
            this.channel = channel;
            this.hasher = new BlockHasher(params);
            this.blockSize = params.blockSize();
            this.digestSize = params.algorithm().digestSize();
        }

        /** Hashes of the data blocks in {@code [start, start+length)}; start is block-aligned. */
        byte[] hashChunk(long start, int length) {
            byte[] out = new byte[(length + blockSize - 1) / blockSize * digestSize];
            int outOff = 0;
            try {
                for (int done = 0; done < length; ) {
                    buf.clear().limit(Math.min(READ_SIZE, length - done));
                    readFully(start + done, buf);
                    // READ_SIZE is a multiple of every block size, so pieces stay block-aligned.
                    hasher.hashBlocks(buf.array(), 0, buf.limit(), out, outOff);
                    outOff += (buf.limit() + blockSize - 1) / blockSize * digestSize;
                    done += buf.limit();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out;
        }

        private void readFully(long position, ByteBuffer b) throws IOException {
            while (b.hasRemaining()) {
                int n = channel.read(b, position);
                if (n < 0) {
                    throw new EOFException("file shrank while its digest was computed");
                }
                position += n;
            }
        }
    }
}
