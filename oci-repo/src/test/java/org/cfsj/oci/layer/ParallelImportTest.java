package org.cfsj.oci.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.oci.TestTar;
import org.cfsj.repo.Repository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Objects stored on worker threads must not change anything an import produces. */
class ParallelImportTest {
    @TempDir
    Path tmp;

    /** Many files: inline ones, worker-sized ones, one streamed (over PARALLEL_MAX), duplicates, hardlinks. */
    static TestTar manyFiles() {
        TestTar t = new TestTar().mtime(1234).dir("d", 0755);
        Random r = new Random(42);
        for (int i = 0; i < 1500; i++) {
            int size = switch (i % 5) {
                case 0 -> r.nextInt(65);
                case 1, 2 -> 65 + r.nextInt(20_000);
                case 3 -> 100_000 + r.nextInt(200_000);
                default -> 500; // the same content again and again: deduplicated
            };
            t.file("d/f" + i, 0644, i % 5 == 4 ? TestTar.data(size, 99) : TestTar.data(size, i));
            if (i % 97 == 0) {
                t.hardlink("d/link" + i, "d/f" + i);
            }
        }
        return t.file("big", 0755, TestTar.data(ImportSequencer.PARALLEL_MAX + 12_345, 7));
    }

    @Test
    void workersGiveTheSameStreamObjectsAndTree() throws IOException {
        byte[] tar = manyFiles().finish();
        String diffId = TestTar.diffId(tar);
        Repository one = Repository.init(tmp.resolve("one"));
        Repository many = Repository.init(tmp.resolve("many"));
        LayerImporter.Imported a = new TarImport(one, diffId, 1).runWithTree(new ByteArrayInputStream(tar));
        LayerImporter.Imported b = new TarImport(many, diffId, 4).runWithTree(new ByteArrayInputStream(tar));
        assertEquals(a.result(), b.result(), "same stream id, sizes and object counts");
        assertEquals(one.objects().list(), many.objects().list());
        assertEquals(1500 / 5 * 4 + 1, b.result().objects(), "every file above the inline size is an object");
        assertTrue(b.result().newObjects() < b.result().objects(), "duplicates were counted as such");
        assertArrayEquals(ComposefsImageWriter.toBytes(a.tree().root(), ComposefsImageWriter.Options.DEFAULT),
                ComposefsImageWriter.toBytes(b.tree().root(), ComposefsImageWriter.Options.DEFAULT));
        LayerImportTest.assertExportEquals(many, diffId, tar);
    }

    @Test
    void aFailureAfterManyStoresLeavesNothing() throws IOException {
        byte[] tar = manyFiles().hardlink("last", "no/such/file").finish();
        String diffId = TestTar.diffId(tar);
        Repository repo = Repository.init(tmp.resolve("r"));
        var e = assertThrows(BadLayerException.class, () -> new TarImport(repo, diffId, 4).run(new ByteArrayInputStream(tar)));
        assertTrue(e.getMessage().contains("hardlink"), e.getMessage());
        assertEquals(List.of(), repo.objects().list());
        assertEquals(List.of(), repo.streams().list());
        org.cfsj.repo.RepositoryTest.assertNoTempFiles(repo);
    }
}
