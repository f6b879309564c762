package org.cfsj.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code mmap(2)} of memory the kernel shares with this process: a kernel object's pages (an
 * io_uring's rings) or anonymous pages that are only backed once touched (buffers the kernel
 * copies requests into). Each mapping belongs to an {@link Arena} and is unmapped when the arena
 * closes, so its segment can never outlive it.
 */
public final class Mappings {
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_POPULATE = 0x8000;

    private static final MethodHandle MMAP = Native.withErrno("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = Native.plain("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));

    private Mappings() {}

    /** A read-write {@code MAP_SHARED | MAP_POPULATE} mapping of {@code length} bytes at {@code offset} of {@code fd}. */
    public static MemorySegment shared(int fd, long offset, long length, Arena arena) throws SysException {
        return map(fd, offset, length, MAP_SHARED | MAP_POPULATE, arena, "fd " + fd);
    }

    /**
     * {@code length} bytes of private anonymous memory, page-aligned and zero; a page takes
     * memory only once it is written (by this process or by the kernel on its behalf).
     */
    public static MemorySegment anonymous(long length, Arena arena) throws SysException {
        return map(-1, 0, length, MAP_PRIVATE | MAP_ANONYMOUS, arena, "anonymous memory");
    }

    private static MemorySegment map(int fd, long offset, long length, int flags, Arena arena, String what)
            throws SysException {
        if (length <= 0) {
            throw new IllegalArgumentException("mapping of " + length + " bytes");
        }
        MemorySegment state = Native.callState();
        MemorySegment at;
        try {
            at = (MemorySegment) MMAP.invokeExact(state, MemorySegment.NULL, length, PROT_READ | PROT_WRITE, flags, fd,
                    offset);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
        if (at.address() == -1L) { // MAP_FAILED
            throw new SysException("mmap", what, Native.errno(state));
        }
        long address = at.address();
        return at.reinterpret(length, arena, unused -> unmap(address, length));
    }

    private static void unmap(long address, long length) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), length);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
