package org.cfsj.oci.layer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.cfsj.repo.ObjectBatch;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.splitstream.SplitStreamWriter;

/**
 * The output side of a layer import: file contents are hashed (fs-verity) and written as objects
 * on worker threads while the tar is still being read, yet the splitstream and the layer tree
 * receive everything in archive order, so both come out exactly as a one-thread import makes
 * them (same bytes, same object ids, same image).
 *
 * <p>Operations queue up in archive order (inline bytes, a file's object, a member for the tree)
 * and are applied as soon as the objects they wait for are stored. The queue is bounded: while
 * more than {@link #IN_FLIGHT_BYTES} of file contents, {@link #IN_FLIGHT_OBJECTS} objects or
 * {@link #MAX_QUEUED} operations are outstanding, the tar thread waits for the oldest, so memory
 * does not grow with the layer.
 *
 * <p>Not thread-safe: the tar thread calls it; only the object stores run elsewhere.
 */
final class ImportSequencer implements AutoCloseable {
    /** Files up to this size go to the workers whole; larger ones are streamed by the caller. */
    static final int PARALLEL_MAX = 1 << 20;
    static final long IN_FLIGHT_BYTES = 16 << 20;
    static final int IN_FLIGHT_OBJECTS = 1024;
    /** Queued operations (members without content too): a slow store cannot make the queue grow without end. */
    static final int MAX_QUEUED = 8192;
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** A file content being stored, or stored. */
    static final class Pending {
        private final long size;
        private final Future<ObjectBatch.Stored> future;
        private ObjectBatch.Stored stored;

        private Pending(long size, Future<ObjectBatch.Stored> future, ObjectBatch.Stored stored) {
            this.size = size;
            this.future = future;
            this.stored = stored;
        }

        boolean isDone() {
            return stored != null || future.isDone();
        }

        /** Waits for the store; its failure is thrown here, on the tar thread. */
        ObjectBatch.Stored await() throws IOException {
            if (stored == null) {
                try {
                    stored = future.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("layer import interrupted");
                } catch (ExecutionException e) {
                    throw WorkerFailure.asIOException(e.getCause());
                }
            }
            return stored;
        }

        private boolean async() {
            return future != null;
        }
    }

    private sealed interface Op {}

    private record Inline(byte[] data) implements Op {}

    private record External(Pending object) implements Op {}

    private record Member(TarEntry entry, byte[] inline, Pending external) implements Op {}

    private final ObjectBatch batch;
    private final SplitStreamWriter stream;
    private final TarWalker.Visitor<ObjectId> tree;
    /** Null: objects are stored on the calling thread (one processor). */
    private final ExecutorService workers;
    private final ArrayDeque<Op> queue = new ArrayDeque<>();
    /** Inline bytes after the last queued operation (only while the queue is not empty). */
    private final ByteArrayOutputStream inlineTail = new ByteArrayOutputStream();
    private long inFlightBytes;
    private int inFlightObjects;
    private long objects;
    private long newObjects;

    /** @param threads how many workers store objects (1: none, the calling thread does) */
    ImportSequencer(ObjectBatch batch, SplitStreamWriter stream, TarWalker.Visitor<ObjectId> tree, int threads) {
        this.batch = batch;
        this.stream = stream;
        this.tree = tree;
        this.workers = threads <= 1 ? null : Executors.newFixedThreadPool(threads,
                Thread.ofPlatform().name("cfsj-objects-" + THREADS.getAndIncrement() + "-", 0).daemon(true).factory());
    }

    /** File objects referenced so far (applied operations). */
    long objects() {
        return objects;
    }

    /** Of those, how many this import adds. */
    long newObjects() {
        return newObjects;
    }

    /** Bytes that stay in the splitstream. */
    void inline(byte[] b, int off, int len) throws IOException {
        if (queue.isEmpty()) {
            stream.writeInline(b, off, len);
        } else {
            inlineTail.write(b, off, len);
        }
    }

    /** Stores a file content read whole into {@code data}, which this takes over, on a worker. */
    Pending store(byte[] data) throws IOException {
        Pending p;
        if (workers == null) {
            p = new Pending(data.length, null, batch.store(data, 0, data.length));
        } else {
            p = new Pending(data.length, workers.submit(() -> batch.store(data, 0, data.length)), null);
            inFlightBytes += data.length;
            inFlightObjects++;
        }
        enqueue(new External(p));
        return p;
    }

    /** Adds an object the caller stored itself (a large file streamed through an ObjectWriter). */
    Pending stored(ObjectId id, long size, boolean added) throws IOException {
        Pending p = new Pending(size, null, new ObjectBatch.Stored(id, added));
        enqueue(new External(p));
        return p;
    }

    /** A member for the tree, once its object (if any) is stored; then applies what is ready. */
    void member(TarEntry entry, byte[] inline, Pending external) throws IOException {
        enqueue(new Member(entry, inline, external));
        pump();
    }

    /** Applies everything, waiting for every object. */
    void finish() throws IOException {
        while (!queue.isEmpty()) {
            apply(queue.removeFirst());
        }
        flushTail();
    }

    private void enqueue(Op op) {
        if (inlineTail.size() > 0) {
            queue.addLast(new Inline(inlineTail.toByteArray()));
            inlineTail.reset();
        }
        queue.addLast(op);
    }

    /** Applies the operations that are ready; waits for the oldest while too much is outstanding. */
    private void pump() throws IOException {
        while (!queue.isEmpty()) {
            boolean tooMuch = inFlightBytes > IN_FLIGHT_BYTES || inFlightObjects > IN_FLIGHT_OBJECTS
                    || queue.size() > MAX_QUEUED;
            if (!tooMuch && !ready(queue.peekFirst())) {
                return;
            }
            apply(queue.removeFirst());
        }
        flushTail();
    }

    private static boolean ready(Op op) {
        return switch (op) {
            case Inline i -> true;
            case External e -> e.object().isDone();
            case Member m -> m.external() == null || m.external().isDone();
        };
    }

    private void apply(Op op) throws IOException {
        switch (op) {
            case Inline i -> stream.writeInline(i.data());
            case External e -> {
                Pending p = e.object();
                ObjectBatch.Stored s = p.await();
                if (p.async()) {
                    inFlightBytes -= p.size;
                    inFlightObjects--;
                }
                objects++;
                if (s.added()) {
                    newObjects++;
                }
                stream.writeExternal(s.id(), p.size);
            }
            case Member m -> tree.member(m.entry(), m.inline(), m.external() == null ? null : m.external().await().id());
        }
    }

    /** The queue is empty: inline bytes gathered behind it go to the stream now. */
    private void flushTail() throws IOException {
        if (inlineTail.size() > 0) {
            stream.writeInline(inlineTail.toByteArray());
            inlineTail.reset();
        }
    }

    /**
     * Stops the workers and waits for them: after {@link #finish()} they are idle; after a
     * failure, stores not yet started are dropped and running ones end (their files are then the
     * batch's to delete), so nothing writes into the repository once this returns.
     */
    @Override
    public void close() {
        if (workers == null) {
            return;
        }
        workers.shutdownNow();
        boolean interrupted = false;
        while (true) {
            try {
                if (workers.awaitTermination(1, TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
