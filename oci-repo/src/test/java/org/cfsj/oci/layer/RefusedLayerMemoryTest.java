package org.cfsj.oci.layer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Optional;
import org.cfsj.oci.TestTar;
import org.cfsj.repo.Repository;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refused layer gives back the native memory its import took. The importer's native state
 * (the splitstream's zstd compression context in particular) is freed by closing it, not by the
 * garbage collector, so a refusal path that forgets a close leaks for the life of the process: a
 * registry, or a mutation run, that serves many bad layers to one process then grows without
 * bound. Measured with glibc's own count of the bytes malloc has handed out ({@code mallinfo2}:
 * in-use chunks plus mmapped ones), which the Java heap does not enter.
 */
class RefusedLayerMemoryTest {
    private static final int WARM_UP = 20;
    private static final int REFUSALS = 100;
    /**
     * Allowed growth per refused layer, averaged: well below one leaked zstd compression context
     * (about 3.7 MB at the splitstream's level), well above what the rest of the JVM (JIT
     * compiler, GC, other threads) mallocs meanwhile, which the count includes: up to about
     * 100 KB per refusal has been seen in a full test run.
     */
    private static final long MAX_BYTES_PER_REFUSAL = 1 << 20;

    @TempDir
    Path tmp;

    @Test
    void refusedLayersLeaveNoNativeMemoryBehind() throws Throwable {
        MethodHandle mallinfo2 = mallinfo2().orElse(null);
        Assumptions.assumeTrue(mallinfo2 != null, "SKIPPED: no glibc mallinfo2 (glibc >= 2.33) to count malloc'd bytes");
        TestTar t = new TestTar();
        for (int i = 0; i < 40; i++) {
            t.file("dir/f" + i, 0644, TestTar.data(100 + 37 * i, i));
        }
        t.file("big", 0644, TestTar.data(300_000, 99));
        byte[] tar = t.finish();
        // A whole, well-formed layer whose diff_id does not match: refused at the very end, after
        // the splitstream has taken everything but its final flush.
        String wrongDiffId = TestTar.diffId(new byte[] {1});
        Repository repo = Repository.init(tmp.resolve("r"));
        try {
            for (int i = 0; i < WARM_UP; i++) {
                refuse(repo, tar, wrongDiffId);
            }
            System.gc(); // objects with cleaners from the warm-up free their memory now, not during the count
            long before = mallocInUse(mallinfo2);
            for (int i = 0; i < REFUSALS; i++) {
                refuse(repo, tar, wrongDiffId);
            }
            long grown = mallocInUse(mallinfo2) - before;
            assertTrue(grown < REFUSALS * MAX_BYTES_PER_REFUSAL, REFUSALS + " refused layers left " + (grown >> 10)
                    + " KiB of malloc'd memory behind (" + (grown / REFUSALS) + " bytes each)");
        } finally {
            repo.close();
        }
    }

    private static void refuse(Repository repo, byte[] tar, String diffId) {
        assertThrows(BadLayerException.class,
                () -> LayerImporter.importLayerWithTree(repo, new ByteArrayInputStream(tar), diffId));
    }

    /** {@code struct mallinfo2}: ten size_t fields. */
    private static final MemoryLayout MALLINFO2 = MemoryLayout.structLayout(
            java.util.stream.Stream.of("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
                    "fordblks", "keepcost").map(ValueLayout.JAVA_LONG::withName).toArray(MemoryLayout[]::new));
    private static final int HBLKHD = 4;
    private static final int UORDBLKS = 7;

    private static Optional<MethodHandle> mallinfo2() {
        Linker linker = Linker.nativeLinker();
        return linker.defaultLookup().find("mallinfo2")
                .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(MALLINFO2)));
    }

    /** Bytes malloc has handed out and not had back, in all arenas. */
    private static long mallocInUse(MethodHandle mallinfo2) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = (MemorySegment) mallinfo2.invokeExact((SegmentAllocator) arena);
            return info.getAtIndex(ValueLayout.JAVA_LONG, UORDBLKS) + info.getAtIndex(ValueLayout.JAVA_LONG, HBLKHD);
        }
    }
}
