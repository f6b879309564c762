package org.cfsj.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code ioctl(2)} with a pointer argument, the one binding behind the fs-verity calls
 * ({@link VerityIoctl}) and the FUSE device's clone and backing-file requests. Request numbers use
 * the asm-generic {@code _IOC} encoding, which x86_64 and aarch64 share.
 */
public final class Ioctl {
    // int ioctl(int fd, unsigned long request, ...): the pointer is the first variadic argument
    private static final MethodHandle IOCTL = Native.variadicWithErrno(
            "ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), 2);

    private Ioctl() {}

    /** {@code ioctl(fd, request, arg)}; returns the ioctl's non-negative result. */
    public static int ioctl(int fd, long request, MemorySegment arg, String what) throws SysException {
        return (int) Native.once("ioctl", what, st -> (int) IOCTL.invokeExact(st, fd, request, arg));
    }

    /** As {@link #ioctl}, but returns {@code -errno} on failure instead of throwing (for answers that are not errors). */
    static int ioctlOrErrno(int fd, long request, MemorySegment arg) {
        try {
            MemorySegment st = Native.callState();
            int r = (int) IOCTL.invokeExact(st, fd, request, arg);
            return r < 0 ? -Native.errno(st) : r;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
