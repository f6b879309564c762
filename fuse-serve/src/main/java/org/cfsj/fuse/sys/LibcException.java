package org.cfsj.fuse.sys;

import java.io.IOException;

/** A failed libc call: which call, on what, and its errno; the message reads "what: strerror". */
public final class LibcException extends IOException {
    private final int errno;
    private final String call;

    public LibcException(String call, String what, int errno) {
        super(what + ": " + Libc.strerror(errno));
        this.errno = errno;
        this.call = call;
    }

    public int errno() {
        return errno;
    }

    public String call() {
        return call;
    }
}
