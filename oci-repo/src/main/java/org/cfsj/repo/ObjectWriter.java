package org.cfsj.repo;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.cfsj.verity.FsVerityHasher;

/**
 * Writes one object: the bytes go to a temporary file inside the repository (same filesystem,
 * so the final rename is atomic) while their fs-verity digest is computed; {@link #commit()}
 * fsyncs the file and renames it to {@code objects/xx/<rest>}, or drops it if that object is
 * already there. Closing without committing deletes the temporary file, so a failed write leaves
 * nothing behind; a crash leaves at most a file under {@code tmp/}, which {@code gc} removes.
 *
 * <p>Not thread-safe; one writer per object.
 */
public final class ObjectWriter extends OutputStream {
    private static final int BUFFER = 1 << 17;

    private final Repository repo;
    private final ObjectBatch batch;
    private final Path temp;
    private final FileChannel channel;
    private final FsVerityHasher hasher = new FsVerityHasher();
    private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
    private boolean done;
    private boolean stored;
    private ObjectId id;

    ObjectWriter(Repository repo, Path tempDir) throws IOException {
        this(repo, tempDir, null);
    }

    ObjectWriter(Repository repo, Path tempDir, ObjectBatch batch) throws IOException {
        this.repo = repo;
        this.batch = batch;
        this.temp = Files.createTempFile(tempDir, "obj-", ".tmp");
        this.channel = FileChannel.open(temp, StandardOpenOption.WRITE);
    }

    @Override
    public void write(int b) throws IOException {
        checkOpen();
        if (!buffer.hasRemaining()) {
            drain();
        }
        buffer.put((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        checkOpen();
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        while (len > 0) {
            if (!buffer.hasRemaining()) {
                drain();
            }
            int n = Math.min(len, buffer.remaining());
            buffer.put(b, off, n);
            off += n;
            len -= n;
        }
    }

    /** Bytes written so far. */
    public long size() {
        return hasher.dataSize() + buffer.position();
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
        drain();
        if (batch != null) {
            // The batch makes all its files durable with one syncfs before naming any of them.
            channel.close();
            done = true;
            id = ObjectId.of(hasher.finish());
            stored = batch.defer(temp, id);
            return id;
        }
        channel.force(true);
        channel.close();
        done = true;
        id = ObjectId.of(hasher.finish());
        try {
            stored = repo.installObject(temp, id);
        } finally {
            Files.deleteIfExists(temp);
        }
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
            channel.close();
            Files.deleteIfExists(temp);
        }
    }

    private void drain() throws IOException {
        buffer.flip();
        hasher.update(buffer.array(), 0, buffer.limit());
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    private void checkOpen() throws IOException {
        if (done) {
            throw new IOException("object writer is closed");
        }
    }
}
