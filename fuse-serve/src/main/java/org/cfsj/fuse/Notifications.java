package org.cfsj.fuse;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.cfsj.fuse.kernel.Kernel;
import org.cfsj.fuse.kernel.NotifyStoreOut;
import org.cfsj.fuse.kernel.OutHeader;

/**
 * Messages the server sends the kernel unasked (an out header with unique 0 and the notify code
 * in place of the error). Only FUSE_NOTIFY_STORE is used: it puts file data into the page cache
 * of an inode the kernel holds, so that a later read of it is a page-cache hit, not a request.
 *
 * <p>Callable from any thread but the workers' replies are independent of it: a store that waits
 * for a page the kernel has locked for a pending READ must not hold up the worker answering it.
 */
final class Notifications {
    // its own buffer (header + store_out) and iovecs, apart from the workers'; used only under this lock
    private final DeviceReply out;
    private boolean closed; // guarded by this: once set, fd may be closed and its number reused

    Notifications(int fd) {
        Arena arena = Arena.ofAuto();
        this.out = new DeviceReply(fd, arena.allocate(OutHeader.SIZE + NotifyStoreOut.SIZE, 8), arena.allocate(32, 8));
    }

    /**
     * Stores {@code data} at {@code offset} of node {@code node}'s page cache. Returns false when
     * the kernel no longer holds the inode (it forgot it), or the connection is gone.
     */
    synchronized boolean store(long node, long offset, MemorySegment data) {
        if (closed) {
            return false;
        }
        new NotifyStoreOut(node, offset, (int) data.byteSize(), 0).write(out.payload(), 0);
        // ENOENT: the inode is not cached; anything else: the data is simply not stored
        boolean stored = out.notify(Kernel.NOTIFY_STORE, NotifyStoreOut.SIZE, data);
        closed = out.deviceGone(); // unmounted
        return stored;
    }

    /** No store may start after this returns (the session is about to close its fds). */
    synchronized void close() {
        closed = true;
    }
}
