package org.cfsj.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The errno values cfsj tests for (Linux numbering: asm-generic, the same on x86_64 and
 * aarch64), and {@code strerror} for the messages.
 */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    /** The same number as EAGAIN on Linux. */
    public static final int EWOULDBLOCK = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EXDEV = 18;
    public static final int ENODEV = 19;
    public static final int ENOTDIR = 20;
    public static final int EISDIR = 21;
    public static final int EINVAL = 22;
    public static final int ENOTTY = 25;
    public static final int EROFS = 30;
    public static final int EPIPE = 32;
    public static final int ERANGE = 34;
    public static final int ENOSYS = 38;
    public static final int ELOOP = 40;
    public static final int ENODATA = 61;
    public static final int EPROTO = 71;
    public static final int EOVERFLOW = 75;
    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int ENOTCONN = 107;
    public static final int ECANCELED = 125;
    public static final int EOPNOTSUPP = 95;
    /** The same number as EOPNOTSUPP on Linux. */
    public static final int ENOTSUP = 95;

    private static final MethodHandle STRERROR = Native.plain("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Errno() {}

    /** libc's text for {@code errno} ("No such file or directory"). */
    public static String strerror(int errno) {
        try {
            return Native.cStringAt((MemorySegment) STRERROR.invokeExact(errno), 1024);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
