package org.cfsj.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

/**
 * The plumbing every binding of this package shares: the native linker, libc's symbol lookup,
 * the per-thread call state that receives errno, and C strings.
 *
 * <p>errno is captured by the linker right after each call ({@code captureCallState}); reading
 * it later through {@code __errno_location} would see whatever the JVM did in between. The
 * call-state segment is one per thread ({@link #callState()}), so hot-path calls allocate
 * nothing; it is read before the thread makes its next downcall, as every binding here does.
 */
final class Native {
    static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private Native() {}

    /** A downcall handle whose first argument is the call-state segment receiving errno. */
    static MethodHandle withErrno(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd, CAPTURE_ERRNO);
    }

    /**
     * As {@link #withErrno}, for a variadic C function whose fixed arguments are the first
     * {@code fixedArgs} (not counting the call-state segment).
     */
    static MethodHandle variadicWithErrno(String name, FunctionDescriptor fd, int fixedArgs) {
        return LINKER.downcallHandle(symbol(name), fd, Linker.Option.firstVariadicArg(fixedArgs), CAPTURE_ERRNO);
    }

    /** A downcall handle for a function that does not report through errno. */
    static MethodHandle plain(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd);
    }

    private static MemorySegment symbol(String name) {
        return LINKER.defaultLookup()
                .find(name)
                .orElseThrow(() -> new UnsupportedOperationException("libc has no " + name + "()"));
    }

    /** This thread's call-state segment. */
    static MemorySegment callState() {
        return STATE.get();
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

    /** A NUL-terminated path or name given as a Java string, encoded by {@link PathNames}' rule. */
    static MemorySegment cString(Arena arena, String s) {
        return cString(arena, PathNames.bytes(s));
    }

    /** The bytes of a NUL-terminated string starting at {@code offset} in {@code seg}. */
    static byte[] cStringBytes(MemorySegment seg, long offset) {
        long end = offset;
        while (seg.get(ValueLayout.JAVA_BYTE, end) != 0) {
            end++;
        }
        return seg.asSlice(offset, end - offset).toArray(ValueLayout.JAVA_BYTE);
    }

    /** A NUL-terminated string libc returned a pointer to (at most {@code max} bytes are read). */
    static String cStringAt(MemorySegment pointer, long max) {
        return new String(cStringBytes(pointer.reinterpret(max), 0), StandardCharsets.UTF_8);
    }

    /** One downcall that returns a negative number and sets errno on failure. */
    @FunctionalInterface
    interface Call {
        long invoke(MemorySegment callState) throws Throwable;
    }

    /** Makes {@code call} once; throws its errno as a {@link SysException} if it failed. */
    static long once(String name, String what, Call call) throws SysException {
        MemorySegment state = callState();
        long r;
        try {
            r = call.invoke(state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new SysException(name, what, errno(state));
        }
        return r;
    }

    /** As {@link #once}, making the call again while it fails with EINTR. */
    static long retrying(String name, String what, Call call) throws SysException {
        while (true) {
            try {
                return once(name, what, call);
            } catch (SysException e) {
                if (e.errno() != Errno.EINTR) {
                    throw e;
                }
            }
        }
    }

    /** Rethrows what a downcall threw; downcalls only throw unchecked errors. */
    static RuntimeException rethrow(Throwable t) {
        return switch (t) {
            case RuntimeException r -> throw r;
            case Error e -> throw e;
            default -> new IllegalStateException(t);
        };
    }
}
