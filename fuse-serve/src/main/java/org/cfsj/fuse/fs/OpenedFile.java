package org.cfsj.fuse.fs;

/** How an opened file is served. */
public sealed interface OpenedFile {
    /** The handle passed back to read and release. */
    long fh();

    /** Reads come to the filesystem (and may be cached by the kernel per {@link CachePolicy}). */
    record Served(long fh) implements OpenedFile {}

    /**
     * The kernel reads the backing file registered as {@code backingId} ({@link FsContext#openBacking})
     * itself; reads never reach the filesystem.
     */
    record Passthrough(long fh, int backingId) implements OpenedFile {}
}
