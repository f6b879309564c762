package org.cfsj.oci.layer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import org.cfsj.oci.TestTar;
import org.cfsj.repo.Repository;
import org.cfsj.sys.MallocStats;
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
    void refusedLayersLeaveNoNativeMemoryBehind() throws Exception {
        Assumptions.assumeTrue(MallocStats.inUse().isPresent(), "SKIPPED: no glibc mallinfo2 (glibc >= 2.33) to count malloc'd bytes");
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
            long before = MallocStats.inUse().getAsLong();
            for (int i = 0; i < REFUSALS; i++) {
                refuse(repo, tar, wrongDiffId);
            }
            long grown = MallocStats.inUse().getAsLong() - before;
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
}
