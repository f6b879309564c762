package org.cfsj.oci.layer;

import java.io.IOException;

/** The failure of work done on another thread (a download, an object store), rethrown on the thread waiting for it. */
public final class WorkerFailure {
    private WorkerFailure() {}

    /**
     * The same object where possible: an IOException is returned for the caller to throw, unchecked
     * exceptions and errors are thrown as they are, and anything else is wrapped.
     */
    public static IOException asIOException(Throwable t) {
        return switch (t) {
            case IOException io -> io;
            case RuntimeException re -> throw re;
            case Error err -> throw err;
            default -> new IOException(t);
        };
    }
}
