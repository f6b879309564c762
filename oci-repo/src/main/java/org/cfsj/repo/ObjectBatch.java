package org.cfsj.repo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Many objects written together (the files of one layer) and named together: each file is
 * written and hashed as it comes, but instead of one fsync per object, {@link #install()} makes
 * all of them durable with a single {@code syncfs} and only then renames them to their object
 * names. A name therefore never points to content that a crash could lose, and a crash before
 * {@code install} leaves only temporary files (gc removes them). Ids are known at once, so a
 * splitstream can refer to them before they are installed; it must be linked only after
 * {@code install}. Closing an uninstalled batch deletes its files.
 *
 * <p>Not thread-safe.
 */
public final class ObjectBatch implements AutoCloseable {
    private final Repository repo;
    private final Map<ObjectId, Path> pending = new LinkedHashMap<>();
    private boolean installed;

    ObjectBatch(Repository repo) {
        this.repo = repo;
    }

    /** A writer whose {@link ObjectWriter#commit()} defers naming to {@link #install()}. */
    public ObjectWriter newObject() throws IOException {
        if (installed) {
            throw new IllegalStateException("batch already installed");
        }
        return new ObjectWriter(repo, repo.tempDir(), this);
    }

    /** Objects waiting to be named. */
    public int pendingCount() {
        return pending.size();
    }

    /** Takes a finished temporary file; returns false (and drops it) if the object exists or is pending. */
    boolean defer(Path temp, ObjectId id) throws IOException {
        if (pending.containsKey(id) || repo.hasObject(id)) {
            Files.deleteIfExists(temp);
            return false;
        }
        pending.put(id, temp);
        return true;
    }

    /** Syncs the filesystem once, then gives every pending file its object name. */
    public void install() throws IOException {
        if (installed) {
            return;
        }
        if (!pending.isEmpty()) {
            repo.syncBeforeLink();
            for (Map.Entry<ObjectId, Path> e : pending.entrySet()) {
                try {
                    repo.installObject(e.getValue(), e.getKey());
                } finally {
                    Files.deleteIfExists(e.getValue());
                }
            }
            pending.clear();
        }
        installed = true;
    }

    /** Deletes the files of a batch that was not installed (a failed import). */
    @Override
    public void close() throws IOException {
        for (Path p : pending.values()) {
            Files.deleteIfExists(p);
        }
        pending.clear();
    }
}
