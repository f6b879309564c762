package org.cfsj.sys;

import java.io.IOException;

/**
 * A failed system or libc call: which call, on what, and the errno it set. The message reads like
 * the C tools' ({@code "path: No such file or directory"}) so the CLI can show it as is; callers
 * that expect particular errors test {@link #errno()}.
 */
public final class SysException extends IOException {
    private final int errno;
    private final String call;

    /**
     * @param call the libc function that failed
     * @param what what it acted on, the start of the message (a path, "fd 7", ...)
     * @param errno the error number it reported
     */
    SysException(String call, String what, int errno) {
        super(what + ": " + Errno.strerror(errno));
        this.errno = errno;
        this.call = call;
    }

    /** With a message already composed ({@code detail} is the whole message). */
    SysException(String call, String detail, int errno, boolean composed) {
        super(detail);
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
