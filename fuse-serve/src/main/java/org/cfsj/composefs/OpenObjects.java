package org.cfsj.composefs;

import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.cfsj.composefs.objects.ObjectStore;
import org.cfsj.composefs.objects.OpenObject;
import org.cfsj.fuse.Log;
import org.cfsj.fuse.fs.FsContext;

/**
 * The backing objects of the external files that are open right now, one per inode however many
 * times it is open: one fd (and, with passthrough, one backing id) shared by all opens, released
 * with the last one. Only what is open is held, so memory follows use, not the image.
 *
 * <p>The first open of an inode decides how it is served (passthrough or by the server) and every
 * concurrent open gets the same, so an inode never mixes the two.
 */
final class OpenObjects {
    /** One inode's object; guarded by its own monitor. */
    static final class Handle {
        private int fd = -1;
        private long size;
        private int opens;
        private int backingId;
        private boolean gone;

        int fd() {
            return fd;
        }

        long size() {
            return size;
        }

        /** The passthrough backing id, or 0 when the server serves reads. */
        int backingId() {
            return backingId;
        }
    }

    private final ObjectStore store;
    private final boolean passthroughWanted;
    private final ConcurrentHashMap<Long, Handle> handles = new ConcurrentHashMap<>();
    private final AtomicBoolean passthroughRefused = new AtomicBoolean();
    private volatile FsContext context;

    OpenObjects(ObjectStore store, boolean passthroughWanted) {
        this.store = store;
        this.passthroughWanted = passthroughWanted;
    }

    void init(FsContext context) {
        this.context = context;
    }

    /**
     * Opens (or shares) the object of inode {@code nid}, checked against {@code digest}.
     *
     * @param expectedSize the file size the image records: an object of another size is refused
     */
    Handle acquire(long nid, String payload, byte[] digest, long expectedSize) throws IOException {
        while (true) {
            Handle h = handles.computeIfAbsent(nid, k -> new Handle());
            synchronized (h) {
                if (h.gone) {
                    continue; // released and removed while we waited: take a fresh one
                }
                if (h.fd < 0) {
                    open(h, payload, digest, expectedSize, nid);
                }
                h.opens++;
                return h;
            }
        }
    }

    private void open(Handle h, String payload, byte[] digest, long expectedSize, long nid) throws IOException {
        boolean ok = false;
        try {
            OpenObject o = store.open(payload, digest);
            if (o.size() != expectedSize) {
                ObjectStore.close(o.fd());
                throw new IOException("object " + payload + " has " + o.size() + " bytes but the image says "
                        + expectedSize);
            }
            h.fd = o.fd();
            h.size = o.size();
            h.backingId = passthrough(h.fd, payload);
            ok = true;
        } finally {
            if (!ok) {
                h.gone = true;
                handles.remove(nid, h);
            }
        }
    }

    /** Registers the object for passthrough; 0 (served by us) if not wanted or the kernel refuses. */
    private int passthrough(int fd, String payload) {
        FsContext c = context;
        if (!passthroughWanted || c == null || !c.passthroughAvailable() || passthroughRefused.get()) {
            return 0;
        }
        try {
            return c.openBacking(fd);
        } catch (IOException e) {
            if (passthroughRefused.compareAndSet(false, true)) {
                Log.info("passthrough refused for object " + payload + " (" + e.getMessage()
                        + "); serving all file data through the server instead");
            }
            return 0;
        }
    }

    /** The handle of an open inode, or null if it is not open. */
    Handle get(long nid) {
        return handles.get(nid);
    }

    /** One open of inode {@code nid} went away; the last one closes the object and its backing id. */
    void release(long nid) {
        Handle h = handles.get(nid);
        if (h == null) {
            return;
        }
        synchronized (h) {
            if (h.gone || --h.opens > 0) {
                return;
            }
            closeHandle(h);
            handles.remove(nid, h);
        }
    }

    private void closeHandle(Handle h) {
        h.gone = true;
        if (h.backingId > 0 && context != null) {
            context.closeBacking(h.backingId);
        }
        ObjectStore.close(h.fd);
        h.fd = -1;
    }

    /** Number of inodes with an open object (for tests: it returns to 0 when all files are closed). */
    int openCount() {
        return handles.size();
    }

    /** Closes everything (the session is over). */
    void closeAll() {
        for (var e : handles.entrySet()) {
            Handle h = e.getValue();
            synchronized (h) {
                if (!h.gone) {
                    closeHandle(h);
                }
            }
            handles.remove(e.getKey(), h);
        }
    }
}
