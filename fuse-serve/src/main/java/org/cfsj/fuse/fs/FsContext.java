package org.cfsj.fuse.fs;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/** What the session offers the filesystem once the kernel connection is negotiated. */
public interface FsContext {
    /** True when the kernel granted passthrough: {@link #openBacking} may be used. */
    boolean passthroughAvailable();

    /**
     * Registers an open file (fd) as a passthrough backing file; returns its backing id. The fd
     * may be closed afterwards (the kernel holds its own reference).
     */
    int openBacking(int fd) throws IOException;

    /** Drops a backing id when no open file uses it any more. */
    void closeBacking(int backingId);

    /**
     * Puts {@code data} into the kernel's page cache of regular file {@code node} at {@code offset}
     * (FUSE_NOTIFY_STORE), so that reading it later needs no request; the data must be exactly the
     * file's bytes there. Returns false if the kernel does not hold the node (never looked up, or
     * forgotten) or the session is ending. Must not be called from a request handler: the kernel
     * may be waiting on the same pages for that request's answer.
     */
    boolean storeData(long node, long offset, MemorySegment data);
}
