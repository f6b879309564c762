package org.cfsj.composefs;

import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.cfsj.fuse.Log;
import org.cfsj.fuse.fs.FsContext;
import org.cfsj.objects.OpenObject;
import org.cfsj.objects.VerifiedObjects;

/**
 * The backing objects of external files, one handle per inode however many times it is in use: one
 * checked object (and, with passthrough, one backing id) shared by all users, and kept for a while
 * after its last user, so that opening the same file again costs no open, no check and no
 * backing-id registration.
 *
 * <p>A handle is in use from its first user (an OPEN, or with open-less sessions a READ while it
 * runs) to its last (RELEASE, or the end of that READ); then it is idle. Idle handles are kept in
 * least-recently-idle order, at most {@code maxIdleFds} holding an fd and {@code maxIdleBacking}
 * holding a backing id (two lists, so that a session whose passthrough the kernel refused cannot
 * run out of fds), and no more than the process's {@link KeptObjectBudget} allows all sessions
 * together; past that the oldest is closed. The kernel
 * forgetting the inode closes its idle handle at once (no later OPEN of that node id can come).
 * A later use of a closed handle's inode opens and checks the object again (the digest cache makes
 * that cheap).
 *
 * <p>Passthrough handles hold their backing id, not an fd: the kernel keeps its own reference to
 * the file (FUSE_DEV_IOC_BACKING_OPEN), and reads never reach the server. So idle passthrough
 * handles cost no descriptor of the server's, only the kernel's reference to the object.
 *
 * <p>A kept handle refers to the very file that was checked (its fd or the kernel's reference),
 * not to a path. While a handle is in use, changing its file in place is as unnoticed as it is
 * for any file held open (the kernel's page cache, or passthrough reads, serve it without asking
 * the server). But an idle handle whose object was checked in user space (no kernel fs-verity
 * guards its reads) is used again only if the file is still as it was checked ({@link
 * VerifiedObjects#stillAsChecked}: the kept fd's statx, or the name's for passthrough handles,
 * which hold no fd); otherwise it is closed and the object opened and checked afresh, so a file
 * changed after its check fails its next open as it would without kept handles.
 *
 * <p>Invariants: one handle per inode at a time (the kernel allows one backing id per inode); the
 * first use of an inode's handle decides how it is served (passthrough or by the server), and
 * every use of that handle gets the same, so an inode never mixes passthrough and cached opens
 * while the handle lives; a handle is closed only while nobody uses it. Lock order: a handle's
 * monitor, then its {@link IdleList}'s.
 */
final class OpenObjects {
    /** One inode's object; guarded by its own monitor. */
    static final class Handle {
        private final long nid;
        private int fd = -1;
        private long size;
        /** What was opened and how it was checked (without its fd for passthrough handles). */
        private OpenObject object;
        private int users;
        private int backingId;
        private boolean ready;
        private boolean idle;
        /** The kernel forgot the inode while it was in use: close it with its last user. */
        private boolean forgotten;
        private boolean gone;

        Handle(long nid) {
            this.nid = nid;
        }

        /** The object's fd, for reads by the server; -1 for passthrough handles. */
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
    private final ConcurrentHashMap<Long, Handle> handles = new ConcurrentHashMap<>();
    /** Idle handles of one kind, least recently idle first; changed only under the handle's monitor and this one's. */
    private static final class IdleList {
        final LinkedHashMap<Long, Handle> handles = new LinkedHashMap<>();
        final int max;
        /** The same kind's idle handles in all sessions of the process. */
        final KeptObjectBudget.Kind process;

        IdleList(int max, KeptObjectBudget.Kind process) {
            this.max = max;
            this.process = process;
        }

        void add(Handle h) {
            if (handles.put(h.nid, h) == null) {
                process.add();
            }
        }

        void remove(Handle h) {
            if (handles.remove(h.nid, h)) {
                process.remove();
            }
        }

        /** Over this session's bound, or the process over its budget while this session holds some. */
        boolean tooMany() {
            return handles.size() > max || (process.over() && !handles.isEmpty());
        }
    }

    private final IdleList idleFds;
    private final IdleList idleBacking;
    private final AtomicBoolean passthroughRefused = new AtomicBoolean();
    private final LongAdder opened = new LongAdder();
    private volatile FsContext context;

    /**
     * @param maxIdleFds     how many idle handles holding an object fd to keep at most (0: close
     *                       each with its last user)
     * @param maxIdleBacking the same for handles holding a passthrough backing id
     * @param budget         what all sessions of the process keep at most together
     */
    OpenObjects(VerifiedObjects store, boolean passthroughWanted, int maxIdleFds, int maxIdleBacking,
            KeptObjectBudget budget) {
        this.store = store;
        this.passthroughWanted = passthroughWanted;
        this.idleFds = new IdleList(maxIdleFds, budget.fds);
        this.idleBacking = new IdleList(maxIdleBacking, budget.backing);
    }

    private IdleList idleList(Handle h) {
        return h.backingId > 0 ? idleBacking : idleFds;
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
            if (h.gone || !h.ready) {
                return null; // closed, or another thread is still opening it: acquire() waits for that
            }
            if (!reusable(h)) {
                closeHandle(h);
                return null; // the caller opens and checks the object afresh
            }
            addUser(h);
            return h;
        }
    }

    /**
     * False for an idle handle whose file changed since it was checked in user space; the caller
     * holds its monitor. Handles in use are not asked: their file is open already.
     */
    private boolean reusable(Handle h) {
        return !h.idle || store.stillAsChecked(h.object);
    }

    /** One more user of a ready handle; an idle one stops being idle. The caller holds its monitor. */
    private void addUser(Handle h) {
        if (h.users++ == 0 && h.idle) {
            h.idle = false;
            IdleList list = idleList(h);
            synchronized (list) {
                list.remove(h);
            }
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
                if (h.ready && !reusable(h)) {
                    closeHandle(h);
                    continue; // changed since its check: open and check it afresh
                }
                if (!h.ready) {
                    open(h, payload, digest, expectedSize);
                }
                addUser(h);
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
            h.size = o.size();
            h.backingId = passthrough(o.fd(), payload);
            if (h.backingId > 0) {
                VerifiedObjects.close(o.fd()); // the kernel holds the file now; reads never reach us
                h.object = o.withoutFd();
            } else {
                h.fd = o.fd();
                h.object = o;
            }
            h.ready = true;
            opened.increment();
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

    /** One user of inode {@code nid} went away (a RELEASE). */
    void release(long nid) {
        Handle h = handles.get(nid);
        if (h != null) {
            release(h);
        }
    }

    /** One user of {@code h} went away; the last one makes it idle (or closes it, if none may idle). */
    void release(Handle h) {
        IdleList list;
        synchronized (h) {
            if (h.gone || h.users == 0 || --h.users > 0) {
                return;
            }
            list = idleList(h);
            if (list.max == 0 || h.forgotten) {
                closeHandle(h);
                return;
            }
            h.idle = true;
            synchronized (list) {
                list.add(h);
            }
        }
        trimIdle(list);
    }

    /** The kernel dropped inode {@code nid}: its object is closed unless it is in use right now. */
    void forget(long nid) {
        Handle h = handles.get(nid);
        if (h == null) {
            return;
        }
        synchronized (h) {
            if (h.gone || !h.ready) {
                return;
            }
            if (h.users == 0) {
                closeHandle(h);
            } else {
                h.forgotten = true; // a FORGET can overtake the last RELEASE (the kernel sends forgets first)
            }
        }
    }

    /**
     * Closes the least recently idle handles of {@code list} until it is within its bound and the
     * process within its budget (or the list is empty).
     */
    private void trimIdle(IdleList list) {
        while (true) {
            Handle oldest;
            synchronized (list) {
                if (!list.tooMany()) {
                    return;
                }
                Iterator<Handle> it = list.handles.values().iterator();
                oldest = it.next();
            }
            synchronized (oldest) {
                if (oldest.idle && !oldest.gone) {
                    closeHandle(oldest);
                }
                // else it was taken again meanwhile and left the idle map itself: look again
            }
        }
    }

    /** Closes the handle's fd and backing id and removes it; the caller holds its monitor. */
    private void closeHandle(Handle h) {
        h.gone = true;
        handles.remove(h.nid, h);
        if (h.idle) {
            h.idle = false;
            IdleList list = idleList(h);
            synchronized (list) {
                list.remove(h);
            }
        }
        if (h.backingId > 0 && context != null) {
            context.closeBacking(h.backingId);
        }
        if (h.fd >= 0) {
            VerifiedObjects.close(h.fd);
            h.fd = -1;
        }
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

    /** How many objects were opened and checked (uses of a kept handle do not count). */
    long openedCount() {
        return opened.sum();
    }

    /** Number of idle handles kept for a later use of their inode. */
    int idleCount() {
        int n;
        synchronized (idleFds) {
            n = idleFds.handles.size();
        }
        synchronized (idleBacking) {
            return n + idleBacking.handles.size();
        }
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
    }
}
