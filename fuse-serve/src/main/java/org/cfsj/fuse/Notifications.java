package org.cfsj.fuse;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.cfsj.fuse.kernel.Kernel;
import org.cfsj.fuse.kernel.NotifyStoreOut;
import org.cfsj.fuse.kernel.OutHeader;
import org.cfsj.fuse.sys.Errno;
import org.cfsj.fuse.sys.Libc;
import org.cfsj.fuse.sys.LibcException;

/**
 * Messages the server sends the kernel unasked (an out header with unique 0 and the notify code
 * in place of the error). Only FUSE_NOTIFY_STORE is used: it puts file data into the page cache
 * of an inode the kernel holds, so that a later read of it is a page-cache hit, not a request.
 *
 * <p>Callable from any thread but the workers' replies are independent of it: a store that waits
 * for a page the kernel has locked for a pending READ must not hold up the worker answering it.
 */
final class Notifications {
    private final int fd;
    // header + store_out, and the two iovecs: used only under this object's lock
    private final MemorySegment head = Arena.ofAuto().allocate(OutHeader.SIZE + NotifyStoreOut.SIZE, 8);
    private final MemorySegment iov = Arena.ofAuto().allocate(32, 8);
    private boolean closed; // guarded by this: once set, fd may be closed and its number reused

    Notifications(int fd) {
        this.fd = fd;
    }

    /**
     * Stores {@code data} at {@code offset} of node {@code node}'s page cache. Returns false when
     * the kernel no longer holds the inode (it forgot it), or the connection is gone.
     */
    synchronized boolean store(long node, long offset, MemorySegment data) {
        if (closed) {
            return false;
        }
        try {
            new OutHeader((int) (head.byteSize() + data.byteSize()), Kernel.NOTIFY_STORE, 0).write(head, 0);
            new NotifyStoreOut(node, offset, (int) data.byteSize(), 0).write(head, OutHeader.SIZE);
            Libc.setIovec(iov, 0, head, head.byteSize());
            Libc.setIovec(iov, 1, data, data.byteSize());
            Libc.writev(fd, iov, 2);
            return true;
        } catch (LibcException e) {
            if (e.errno() == Errno.ENODEV) {
                closed = true; // unmounted
            }
            return false; // ENOENT: the inode is not cached; anything else: the data is simply not stored
        }
    }

    /** No store may start after this returns (the session is about to close its fds). */
    synchronized void close() {
        closed = true;
    }
}
