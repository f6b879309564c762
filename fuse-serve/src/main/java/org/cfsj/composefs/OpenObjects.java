package org.cfsj.composefs;

import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.cfsj.fuse.Log;
import org.cfsj.fuse.fs.FsContext;
import org.cfsj.objects.OpenObject;
import org.cfsj.objects.VerifiedObjects;

/**
 * The backing objects of external files in use, one per inode however many times it is in use: one
 * fd (and, with passthrough, one backing id) shared by all users.
 *
 * <p>Two ways of holding them, chosen per session:
 * <ul>
 *   <li>With opens (passthrough): a handle lives from the first OPEN of its inode to the last
 *       RELEASE, so only what is open is held.
 *   <li>Open-less (the kernel sends no OPEN/RELEASE, reads come with handle 0): each READ holds its
 *       handle only while it runs; idle handles stay open for the next read of the same file until
 *       the kernel forgets the inode or more than {@code maxIdle} are idle, when the idle ones are
 *       closed (a later read reopens its object; the digest cache makes that cheap).
 * </ul>
 *
 * <p>The first use of an inode decides how it is served (passthrough or by the server) and every
 * concurrent use gets the same, so an inode never mixes the two.
 */
final class OpenObjects {
    /** One inode's object; guarded by its own monitor. */
    static final class Handle {
        private final long nid;
        private int fd = -1;
        private long size;
        private int users;
        private int backingId;
        private boolean gone;

        Handle(long nid) {
            this.nid = nid;
        }

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

    private final VerifiedObjects store;
    private final boolean passthroughWanted;
    private final boolean keepIdle;
    private final int maxIdle;
    private final ConcurrentHashMap<Long, Handle> handles = new ConcurrentHashMap<>();
    private final AtomicInteger idle = new AtomicInteger();
    private final ReentrantLock trimming = new ReentrantLock();
    private final AtomicBoolean passthroughRefused = new AtomicBoolean();
    private volatile FsContext context;

    /**
     * @param keepIdle keep a handle open when its last user goes (open-less sessions)
     * @param maxIdle  how many idle handles to keep at most
     */
    OpenObjects(VerifiedObjects store, boolean passthroughWanted, boolean keepIdle, int maxIdle) {
        this.store = store;
        this.passthroughWanted = passthroughWanted;
        this.keepIdle = keepIdle;
        this.maxIdle = maxIdle;
    }

    void init(FsContext context) {
        this.context = context;
    }

    /** True if passthrough was asked for and the kernel offers it. */
    private boolean passthroughPossible() {
        FsContext c = context;
        return passthroughWanted && c != null && c.passthroughAvailable();
    }

    /** A new user of inode {@code nid}'s handle if the object is open already, else null. */
    Handle acquireIfOpen(long nid) {
        Handle h = handles.get(nid);
        if (h == null) {
            return null;
        }
        synchronized (h) {
            if (h.gone || h.fd < 0) {
                return null; // closed, or another thread is still opening it: acquire() waits for that
            }
            addUser(h);
            return h;
        }
    }

    /** One more user of an open handle; an idle one stops being idle. The caller holds its monitor. */
    private void addUser(Handle h) {
        if (h.users++ == 0 && keepIdle) {
            idle.decrementAndGet();
        }
    }

    /**
     * A new user of the object of inode {@code nid}, opened and checked against {@code digest}
     * unless it is open already.
     *
     * @param expectedSize the file size the image records: an object of another size is refused
     */
    Handle acquire(long nid, String payload, byte[] digest, long expectedSize) throws IOException {
        while (true) {
            Handle h = handles.computeIfAbsent(nid, Handle::new);
            synchronized (h) {
                if (h.gone) {
                    continue; // closed and removed while we waited: take a fresh one
                }
                if (h.fd < 0) {
                    open(h, payload, digest, expectedSize);
                    h.users++; // a new handle was never idle
                } else {
                    addUser(h);
                }
                return h;
            }
        }
    }

    private void open(Handle h, String payload, byte[] digest, long expectedSize) throws IOException {
        boolean ok = false;
        try {
            OpenObject o = store.open(payload, digest);
            if (o.size() != expectedSize) {
                VerifiedObjects.close(o.fd());
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
                handles.remove(h.nid, h);
            }
        }
    }

    /** Registers the object for passthrough; 0 (served by us) if not wanted or the kernel refuses. */
    private int passthrough(int fd, String payload) {
        if (!passthroughPossible() || passthroughRefused.get()) {
            return 0;
        }
        try {
            return context.openBacking(fd);
        } catch (IOException e) {
            if (passthroughRefused.compareAndSet(false, true)) {
                Log.info("passthrough refused for object " + payload + " (" + e.getMessage()
                        + "); serving all file data through the server instead");
            }
            return 0;
        }
    }

    /** The handle of an inode in use, or null. */
    Handle get(long nid) {
        return handles.get(nid);
    }

    /** One user of inode {@code nid} went away (a RELEASE); the last one closes or idles the object. */
    void release(long nid) {
        Handle h = handles.get(nid);
        if (h != null) {
            release(h);
        }
    }

    /** One user of {@code h} went away. */
    void release(Handle h) {
        boolean trim = false;
        synchronized (h) {
            if (h.gone || --h.users > 0) {
                return;
            }
            if (keepIdle) {
                trim = idle.incrementAndGet() > maxIdle;
            } else {
                closeHandle(h);
            }
        }
        if (trim) {
            trimIdle();
        }
    }

    /** The kernel dropped inode {@code nid}: its object is closed unless a read is using it right now. */
    void forget(long nid) {
        Handle h = handles.get(nid);
        if (h == null) {
            return;
        }
        synchronized (h) {
            if (!h.gone && h.users == 0) {
                closeHandle(h);
                if (keepIdle) {
                    idle.decrementAndGet();
                }
            }
        }
    }

    /** Closes idle handles until a quarter of the allowance is free; one thread at a time. */
    private void trimIdle() {
        if (!trimming.tryLock()) {
            return;
        }
        try {
            int target = maxIdle - maxIdle / 4;
            for (Handle h : handles.values()) {
                if (idle.get() <= target) {
                    break;
                }
                synchronized (h) {
                    if (!h.gone && h.users == 0) {
                        closeHandle(h);
                        idle.decrementAndGet();
                    }
                }
            }
        } finally {
            trimming.unlock();
        }
    }

    /** Closes the handle's fd and backing id and removes it; the caller holds its monitor. */
    private void closeHandle(Handle h) {
        h.gone = true;
        handles.remove(h.nid, h);
        if (h.backingId > 0 && context != null) {
            context.closeBacking(h.backingId);
        }
        VerifiedObjects.close(h.fd);
        h.fd = -1;
    }

    /**
     * Number of inodes with an open object that is in use (for tests: it returns to 0 when all
     * files are closed and no read is running).
     */
    int openCount() {
        int n = 0;
        for (Handle h : handles.values()) {
            synchronized (h) {
                if (!h.gone && h.users > 0) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Closes everything (the session is over). */
    void closeAll() {
        for (Handle h : handles.values()) {
            synchronized (h) {
                if (!h.gone) {
                    closeHandle(h);
                }
            }
        }
        idle.set(0);
    }
}
