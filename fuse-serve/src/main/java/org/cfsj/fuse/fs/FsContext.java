package org.cfsj.fuse.fs;

import java.io.IOException;

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
}
