package org.cfsj.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.invoke.MethodHandle;

/**
 * {@code flock(2)}: locks per open file, so two threads of one JVM can hold shared locks
 * independently, which {@code FileChannel.lock} cannot.
 */
public final class FileLocks {
    public static final int LOCK_SH = 1;
    public static final int LOCK_EX = 2;
    public static final int LOCK_NB = 4;
    public static final int LOCK_UN = 8;

    private static final MethodHandle FLOCK = Native.withErrno("flock", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    private FileLocks() {}

    /** flock(2), retried on EINTR; blocks until granted. */
    public static void flock(int fd, int op, String what) throws SysException {
        Native.retrying("flock", what, st -> (int) FLOCK.invokeExact(st, fd, op));
    }

    /** flock(2) with LOCK_NB: true if granted now, false if another open file holds a conflicting lock. */
    public static boolean tryFlock(int fd, int op, String what) throws SysException {
        try {
            flock(fd, op | LOCK_NB, what);
            return true;
        } catch (SysException e) {
            if (e.errno() == Errno.EWOULDBLOCK) {
                return false;
            }
            throw e;
        }
    }
}
