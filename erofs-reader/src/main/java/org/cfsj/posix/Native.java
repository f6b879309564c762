package org.cfsj.posix;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The plumbing shared by the libc bindings: the linker, symbol lookup and errno capture.
 *
 * <p>errno is captured by the linker right after each call ({@code captureCallState}); reading
 * it later through {@code __errno_location} would see whatever the JVM did in between.
 */
final class Native {
    static final Linker LINKER = Linker.nativeLinker();
    static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle STRERROR =
            plain("strerror", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private Native() {}

    /** A downcall handle whose first argument is the call-state segment receiving errno. */
    static MethodHandle withErrno(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd, Linker.Option.captureCallState("errno"));
    }

    /**
     * As {@link #withErrno}, for a variadic C function whose fixed arguments are the first
     * {@code fixedArgs} (after the call-state segment).
     */
    static MethodHandle variadicWithErrno(String name, FunctionDescriptor fd, int fixedArgs) {
        return LINKER.downcallHandle(symbol(name), fd, Linker.Option.firstVariadicArg(fixedArgs),
                Linker.Option.captureCallState("errno"));
    }

    static MethodHandle plain(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd);
    }

    private static MemorySegment symbol(String name) {
        return LINKER.defaultLookup()
                .find(name)
                .orElseThrow(() -> new UnsupportedOperationException("libc has no " + name + "()"));
    }

    static MemorySegment callState(Arena arena) {
        return arena.allocate(CALL_STATE);
    }

    static int errno(MemorySegment callState) {
        return (int) ERRNO.get(callState, 0L);
    }

    /** A NUL-terminated copy of raw bytes (file names are bytes, never decoded). */
    static MemorySegment cString(Arena arena, byte[] bytes) {
        MemorySegment s = arena.allocate(bytes.length + 1L);
        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
        s.set(ValueLayout.JAVA_BYTE, bytes.length, (byte) 0);
        return s;
    }

    /** The bytes of a NUL-terminated string starting at {@code offset} in {@code seg}. */
    static byte[] cStringBytes(MemorySegment seg, long offset) {
        long end = offset;
        while (seg.get(ValueLayout.JAVA_BYTE, end) != 0) {
            end++;
        }
        return seg.asSlice(offset, end - offset).toArray(ValueLayout.JAVA_BYTE);
    }

    static String strerror(int errno) {
        try {
            MemorySegment p = (MemorySegment) STRERROR.invokeExact(errno);
            return new String(cStringBytes(p.reinterpret(1024), 0), java.nio.charset.StandardCharsets.UTF_8);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** Rethrows what a downcall threw; downcalls only throw unchecked errors. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
