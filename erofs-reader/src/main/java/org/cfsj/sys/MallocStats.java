package org.cfsj.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * glibc's own count of the native memory malloc has handed out ({@code mallinfo2}), which the
 * Java heap does not enter: how a leak of native state (a compression context that is never
 * freed) shows. The count covers the whole process, the JVM's own mallocs included.
 */
public final class MallocStats {
    /** {@code struct mallinfo2}: ten size_t fields. */
    private static final MemoryLayout MALLINFO2 = MemoryLayout.structLayout(
            Stream.of("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
                    "fordblks", "keepcost").map(ValueLayout.JAVA_LONG::withName).toArray(MemoryLayout[]::new));
    private static final int HBLKHD = 4;
    private static final int UORDBLKS = 7;
    /** Null where glibc is older than 2.33. */
    private static final MethodHandle MALLINFO2_FN = Native.LINKER.defaultLookup().find("mallinfo2")
            .map(f -> Native.LINKER.downcallHandle(f, FunctionDescriptor.of(MALLINFO2)))
            .orElse(null);

    private MallocStats() {}

    /**
     * Bytes malloc has handed out and not had back, in all arenas (in-use chunks plus mmapped
     * ones); empty without {@code mallinfo2} (glibc before 2.33).
     */
    public static OptionalLong inUse() {
        if (MALLINFO2_FN == null) {
            return OptionalLong.empty();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = (MemorySegment) MALLINFO2_FN.invokeExact((SegmentAllocator) arena);
            return OptionalLong.of(info.getAtIndex(ValueLayout.JAVA_LONG, UORDBLKS) + info.getAtIndex(ValueLayout.JAVA_LONG, HBLKHD));
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }
}
