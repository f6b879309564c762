package org.cfsj.repo;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import org.cfsj.verity.FsVerityHasher;

/**
 * Writes one object. Its fs-verity digest is computed while the bytes come in; up to {@link
 * #MEMORY_LIMIT} bytes are only kept in memory, so an object that turns out to be in the
 * repository already (most files of a layer that shares content) costs no file at all. Larger
 * objects go to a temporary file inside the repository (same filesystem, so the final rename is
 * atomic) as they come. {@link #commit()} then makes the file durable (fsync, or one syncfs for a
 * whole {@link ObjectBatch}) and renames it to {@code objects/xx/<rest>}, or drops it if that
 * object is already there. Closing without committing deletes the temporary file, so a failed
 * write leaves nothing behind; a crash leaves at most a file under {@code tmp/}, which {@code gc}
 * removes.
 *
 * <p>Not thread-safe; one writer per object.
 */
public final class ObjectWriter extends OutputStream {
    /** Objects up to this size are hashed before any file is made (so duplicates make none). */
    static final int MEMORY_LIMIT = 1 << 20;
    private static final int INITIAL_BUFFER = 1 << 13;
    /**
     * A full-size buffer a finished writer left for the next one on its thread: an import writes
     * thousands of objects one after another, and growing a fresh buffer for each (and collecting
     * it) cost more than the copying it is for.
     */
    private static final ThreadLocal<byte[]> SPARE = new ThreadLocal<>();

    private final ObjectStore store;
    private final ObjectBatch batch;
    private final FsVerityHasher hasher;
    /** Bytes not yet hashed nor written; all of the object while it fits in memory. */
    private byte[] buffer;
    private int buffered;
    private long size;
    /** The temporary file, once the object outgrew memory (or at commit of a new object). */
    private Path temp;
    private FileChannel channel;
    private boolean done;
    private boolean stored;
    private ObjectId id;

    ObjectWriter(ObjectStore store, ObjectBatch batch) {
        this.store = store;
        this.batch = batch;
        this.hasher = store.algorithm().newHasher();
        byte[] spare = SPARE.get();
        if (spare != null) {
            SPARE.remove();
            this.buffer = spare;
        } else {
            this.buffer = new byte[INITIAL_BUFFER];
        }
    }

    @Override
    public void write(int b) throws IOException {
        checkOpen();
        if (buffered == buffer.length) {
            makeRoom(1);
        }
        buffer[buffered++] = (byte) b;
        size++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        checkOpen();
        Objects.checkFromIndexSize(off, len, b.length);
        size += len;
        while (len > 0) {
            if (buffered == buffer.length) {
                makeRoom(len);
            }
            int n = Math.min(len, buffer.length - buffered);
            System.arraycopy(b, off, buffer, buffered, n);
            buffered += n;
            off += n;
            len -= n;
        }
    }

    /** Bytes written so far. */
    public long size() {
        return size;
    }

    /**
     * Finishes the object and makes it visible under its digest. Idempotent: a second call
     * returns the same id.
     */
    public ObjectId commit() throws IOException {
        if (id != null) {
            return id;
        }
        checkOpen();
        hasher.update(buffer, 0, buffered);
        ObjectId digest = ObjectId.of(hasher.finish());
        if (batch != null ? batch.has(digest) : store.has(digest)) {
            // Already stored (or about to be): no file is needed (and none was made if it fit in memory).
            done = true;
            releaseBuffer();
            if (channel != null) {
                channel.close();
                Files.deleteIfExists(temp);
            }
            id = digest;
            return id;
        }
        writeBuffer(digest);
        done = true;
        releaseBuffer();
        if (batch != null) {
            // The batch makes all its files durable with one syncfs before naming any of them.
            channel.close();
            id = digest;
            stored = batch.defer(temp, id);
            return id;
        }
        boolean named = false;
        try {
            channel.force(true);
            channel.close();
            named = store.install(temp, digest);
        } finally {
            if (!named) {
                Files.deleteIfExists(temp); // a failure, or the object was there already
            }
        }
        stored = named;
        id = digest;
        return id;
    }

    /**
     * After {@link #commit()}: whether this write added the object (false: it was already there).
     * In a batch: whether it will be added when the batch installs.
     */
    public boolean stored() {
        return stored;
    }

    /** Abandons an uncommitted object (deleting its temporary file); no-op after commit. */
    @Override
    public void close() throws IOException {
        if (!done) {
            done = true;
            releaseBuffer();
            if (channel != null) {
                channel.close();
                Files.deleteIfExists(temp);
            }
        }
    }

    private void releaseBuffer() {
        if (buffer != null && buffer.length == MEMORY_LIMIT) {
            SPARE.set(buffer);
        }
        buffer = null;
    }

    /** Grows the memory buffer, or once it is at the limit, hashes and writes it out. */
    private void makeRoom(int wanted) throws IOException {
        if (channel == null && buffer.length < MEMORY_LIMIT) {
            long grown = Math.max((long) buffer.length * 2, (long) buffered + wanted);
            buffer = Arrays.copyOf(buffer, (int) Math.min(grown, MEMORY_LIMIT));
            return;
        }
        hasher.update(buffer, 0, buffered);
        writeBuffer(null);
    }

    /**
     * Writes the buffered bytes (already hashed) to the temporary file, creating it if need be:
     * next to its object when the digest is known ({@code id}), else under {@code tmp/}.
     */
    private void writeBuffer(ObjectId id) throws IOException {
        if (channel == null) {
            ObjectStore.TempFile t = id != null ? store.newTempFile(id) : store.newTempFile();
            temp = t.path();
            channel = t.channel();
        }
        ByteBuffer b = ByteBuffer.wrap(buffer, 0, buffered);
        while (b.hasRemaining()) {
            channel.write(b);
        }
        buffered = 0;
    }

    private void checkOpen() throws IOException {
        if (done) {
            throw new IOException("object writer is closed");
        }
    }
}
