package org.cfsj.fuse.fs;

/**
 * A request fails with an errno. Cheap to throw (no stack trace): ENOENT and ENODATA are
 * ordinary answers, not bugs.
 */
public final class FsException extends Exception {
    private final int errno;

    public FsException(int errno, String message) {
        super(message, null, false, false);
        this.errno = errno;
    }

    public FsException(int errno) {
        this(errno, null);
    }

    public int errno() {
        return errno;
    }
}
