package org.cfsj.oci.pull;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.cfsj.oci.layer.Compression;
import org.cfsj.oci.layer.WorkerFailure;
import org.cfsj.oci.source.BlobDigestException;
import org.cfsj.oci.source.VerifyingInputStream;

/**
 * Downloads and decompresses one layer blob on a thread of its own, and hands the tar to the
 * importer through a bounded pipe: inflating is about a third of a layer's CPU time, and this way
 * it overlaps with the tar parsing, hashing and writing of the importer instead of adding to it.
 *
 * <p>Memory is bounded: {@link #CHUNKS} buffers of {@link #CHUNK} bytes circulate between the two
 * threads (the producer fills a free one, the importer reads it and gives it back), whatever the
 * layer's size. The importer sees end-of-stream only after the whole blob was read and its
 * digest checked ({@link VerifiedEndStream} on the producer's side), so it never commits a layer
 * from a blob that does not match; a failure of the producer (network, digest, corrupt gzip)
 * reaches the importer as the same exception on its next read.
 */
final class InflatingPipe implements AutoCloseable {
    static final int CHUNK = 1 << 18;
    static final int CHUNKS = 8;
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** What crosses the pipe: a filled buffer, the end, or the producer's failure. */
    private record Piece(byte[] data, int length, Throwable failure) {
        static final Piece END = new Piece(null, -1, null);
    }

    /** Sent through {@link #free} to stop the producer. */
    private static final byte[] STOP = new byte[0];

    private final VerifyingInputStream blob;
    private final InputStream raw;
    // Capacity for every buffer plus one end or failure marker: puts never block.
    private final BlockingQueue<Piece> filled = new ArrayBlockingQueue<>(CHUNKS + 1);
    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(CHUNKS + 1);
    /** Completes when the producer has stopped; exceptionally with what stopped it. */
    private final CompletableFuture<Void> producerDone = new CompletableFuture<>();
    /** Set before {@link #STOP} when the importer failed: read the rest of the blob to check its digest. */
    private volatile boolean drainOnStop;
    private final Reader reader = new Reader();

    /**
     * Starts the producer on a new daemon thread.
     *
     * @param blob the verifying blob stream (its digest is the verdict on a corrupt layer)
     * @param raw  what to read the compressed bytes from: {@code blob} or a wrapper of it
     *             (e.g. counting bytes for progress)
     */
    InflatingPipe(VerifyingInputStream blob, InputStream raw) {
        this.blob = blob;
        this.raw = raw;
        for (int i = 0; i < CHUNKS; i++) {
            free.add(new byte[CHUNK]);
        }
        Thread.ofPlatform().name("cfsj-inflate-" + THREADS.getAndIncrement()).daemon(true).start(this::produce);
    }

    /**
     * Runs {@code action} once the producer has stopped (the whole blob read, or a failure), on
     * the producer's thread, or at once if it has already stopped.
     */
    void whenProducerDone(Runnable action) {
        producerDone.whenComplete((v, t) -> action.run());
    }

    /** The decompressed tar; read it from one thread. */
    InputStream tar() {
        return reader;
    }

    private void produce() {
        // The decompressor is closed here, when the producer stops, to free its native memory
        // (zstd context, ISA-L state); the blob under it stays open: the puller owns it.
        InputStream tar = null;
        try {
            tar = new VerifiedEndStream(Compression.decompress(new KeepOpen(raw)), blob);
            while (true) {
                byte[] buf = free.take();
                if (buf == STOP) {
                    if (drainOnStop && !blob.verified()) {
                        blob.drainAndVerify();
                    }
                    producerDone.complete(null);
                    return;
                }
                int n = tar.readNBytes(buf, 0, buf.length);
                if (n > 0) {
                    filled.add(new Piece(buf, n, null));
                }
                if (n < buf.length) {
                    // readNBytes stops short only at the end, which VerifiedEndStream reports
                    // only once the blob's digest matched.
                    filled.add(Piece.END);
                    producerDone.complete(null);
                    return;
                }
            }
        } catch (InterruptedException e) {
            fail(new InterruptedIOException("layer download interrupted"));
        } catch (IOException e) {
            fail(preferDigestMismatch(e));
        } catch (RuntimeException | Error e) {
            fail(e);
        } finally {
            if (tar != null) {
                try {
                    tar.close();
                } catch (IOException ignored) {
                    // nothing was written: the outcome is already decided
                }
            }
        }
    }

    private void fail(Throwable t) {
        filled.add(new Piece(null, -1, t));
        producerDone.completeExceptionally(t);
    }

    /**
     * A corrupt blob usually fails in the decompressor before its digest can be compared; the
     * digest is the real verdict, so finish reading the blob and report a mismatch in preference
     * to the symptom.
     */
    private IOException preferDigestMismatch(IOException e) {
        if (e instanceof BlobDigestException || blob.verified()) {
            return e;
        }
        try {
            blob.drainAndVerify();
        } catch (BlobDigestException mismatch) {
            mismatch.addSuppressed(e);
            return mismatch;
        } catch (IOException ignored) {
            // the stream is unusable (closed, connection lost): the original error stands
        }
        return e;
    }

    /**
     * The error to report for a failure of the importer: if the blob's digest does not match
     * (the importer choked on corrupt content), that, else {@code e} itself. Reads the rest of the
     * blob to find out, on the producer's thread, and waits for it.
     */
    IOException verdict(IOException e) {
        if (e instanceof BlobDigestException) {
            return e;
        }
        drainOnStop = true;
        free.offer(STOP);
        try {
            producerDone.get();
        } catch (ExecutionException ex) {
            if (ex.getCause() instanceof BlobDigestException mismatch && mismatch != e) {
                mismatch.addSuppressed(e);
                return mismatch;
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        return e;
    }

    /**
     * Waits until the producer has stopped (at once if the importer read to the end). The
     * caller closes the blob stream first if the producer may be blocked reading it.
     */
    @Override
    public void close() {
        free.offer(STOP);
        try {
            producerDone.handle((v, t) -> null).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e); // handle() never fails
        }
    }

    /** The blob as the decompressor sees it: closing the decompressor does not close it. */
    private static final class KeepOpen extends FilterInputStream {
        KeepOpen(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return in.read(b, off, len); // FilterInputStream's would go through read(byte[])
        }

        @Override
        public void close() {
            // the puller closes the blob
        }
    }

    /** The importer's side. */
    private final class Reader extends InputStream {
        private Piece current;
        private int pos;
        private boolean ended;
        private Throwable failed;

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (!next()) {
                return -1;
            }
            int n = Math.min(len, current.length() - pos);
            System.arraycopy(current.data(), pos, b, off, n);
            pos += n;
            if (pos == current.length()) {
                free.offer(current.data());
                current = null;
            }
            return n;
        }

        /** Makes {@code current} a piece with bytes left; false at the end. */
        private boolean next() throws IOException {
            if (current != null) {
                return true;
            }
            if (failed != null) {
                throw WorkerFailure.asIOException(failed); // again: a failed pipe never turns into an end
            }
            if (ended) {
                return false;
            }
            Piece p;
            try {
                p = filled.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("layer import interrupted");
            }
            if (p.failure() != null) {
                failed = p.failure();
                throw WorkerFailure.asIOException(failed);
            }
            if (p == Piece.END) {
                ended = true;
                return false;
            }
            current = p;
            pos = 0;
            return true;
        }

        @Override
        public int available() {
            return current == null ? 0 : current.length() - pos;
        }
    }
}
