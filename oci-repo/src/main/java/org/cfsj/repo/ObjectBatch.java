package org.cfsj.repo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.cfsj.verity.FsVerityHasher;

/**
 * Many objects written together (the files of one layer) and named together: each file is
 * written and hashed as it comes, but instead of one fsync per object, {@link #install()} makes
 * all of them durable with a single {@code syncfs} and only then renames them to their object
 * names. A name therefore never points to content that a crash could lose, and a crash before
 * {@code install} leaves only temporary files (gc removes them). Ids are known at once, so a
 * splitstream can refer to them before they are installed; it must be linked only after
 * {@code install}. Closing an uninstalled batch deletes its files.
 *
 * <p>Thread-safe: the writers of one batch may run on several threads (each writer on one).
 * {@link #install()} and {@link #close()} must not overlap with writers still committing.
 */
public final class ObjectBatch implements AutoCloseable {
    private final ObjectStore store;
    private final Map<ObjectId, Path> pending = new ConcurrentHashMap<>();
    private volatile boolean installed;

    ObjectBatch(ObjectStore store) {
        this.store = store;
    }

    /** A writer whose {@link ObjectWriter#commit()} defers naming to {@link #install()}. */
    public ObjectWriter newObject() {
        if (installed) {
            throw new IllegalStateException("batch already installed");
        }
        return new ObjectWriter(store, this);
    }

    /** What {@link #store} did: the object's id, and whether this batch adds it (false: already stored or pending). */
    public record Stored(ObjectId id, boolean added) {}

    /**
     * Stores {@code len} bytes held in memory as an object of this batch: hashes them first and
     * writes a file only if the object is neither in the repository nor pending here. Unlike an
     * {@link ObjectWriter}, copies nothing; may be called from several threads at once (the
     * array is only read).
     */
    public Stored store(byte[] data, int off, int len) throws IOException {
        if (installed) {
            throw new IllegalStateException("batch already installed");
        }
        FsVerityHasher hasher = store.algorithm().newHasher();
        hasher.update(data, off, len);
        ObjectId id = ObjectId.of(hasher.finish());
        if (has(id)) {
            return new Stored(id, false);
        }
        ObjectStore.TempFile temp = store.newTempFile(id);
        boolean written = false;
        try (FileChannel channel = temp.channel()) {
            ByteBuffer b = ByteBuffer.wrap(data, off, len);
            while (b.hasRemaining()) {
                channel.write(b);
            }
            written = true;
        } finally {
            if (!written) {
                Files.deleteIfExists(temp.path());
            }
        }
        return new Stored(id, defer(temp.path(), id));
    }

    /** Objects waiting to be named. */
    public int pendingCount() {
        return pending.size();
    }

    /** Whether the object is in the repository or waiting in this batch. */
    boolean has(ObjectId id) {
        return pending.containsKey(id) || store.has(id);
    }

    /**
     * Takes a finished temporary file; returns false (and drops it) if the object is pending. The
     * writer asked {@link #has} before writing; one that another process stores meanwhile is
     * found by the no-replace rename at {@link #install()}.
     */
    boolean defer(Path temp, ObjectId id) throws IOException {
        if (pending.putIfAbsent(id, temp) != null) {
            Files.deleteIfExists(temp);
            return false;
        }
        return true;
    }

    /** Syncs the filesystem once, then gives every pending file its object name. */
    public synchronized void install() throws IOException {
        if (installed) {
            return;
        }
        if (!pending.isEmpty()) {
            store.syncBeforeLink();
            List<Map.Entry<ObjectId, Path>> todo = new ArrayList<>(pending.entrySet());
            for (Map.Entry<ObjectId, Path> e : todo) {
                boolean named = false;
                try {
                    named = store.install(e.getValue(), e.getKey());
                } finally {
                    if (!named) {
                        Files.deleteIfExists(e.getValue()); // a failure, or another writer named it first
                    }
                }
                pending.remove(e.getKey());
            }
        }
        installed = true;
    }

    /** Deletes the files of a batch that was not installed (a failed import). */
    @Override
    public synchronized void close() throws IOException {
        for (Path p : pending.values()) {
            Files.deleteIfExists(p);
        }
        pending.clear();
    }
}
