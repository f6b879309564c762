package org.cfsj.posix;

import java.io.IOException;

/**
 * A failed libc call: which call, on what, and the errno it set. The message reads like the C
 * tools' ({@code "path: No such file or directory"}) so the CLI can show it as is.
 */
public final class ErrnoException extends IOException {
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EACCES = 13;
    public static final int EXDEV = 18;
    public static final int ENOTDIR = 20;
    public static final int ERANGE = 34;
    public static final int ENOSYS = 38;
    public static final int ELOOP = 40;
    public static final int ENODATA = 61;
    /** ENOTSUP and EOPNOTSUPP are the same number on Linux. */
    public static final int ENOTSUP = 95;

    private final int errno;
    private final String call;

    ErrnoException(String call, String what, int errno) {
        super(what + ": " + Native.strerror(errno));
        this.errno = errno;
        this.call = call;
    }

    public int errno() {
        return errno;
    }

    /** The libc function that failed, for debugging. */
    public String call() {
        return call;
    }
}
