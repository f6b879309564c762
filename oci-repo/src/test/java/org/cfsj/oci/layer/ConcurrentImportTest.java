package org.cfsj.oci.layer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.cfsj.oci.TestTar;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.Repository;
import org.cfsj.repo.maintenance.Fsck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConcurrentImportTest {
    @TempDir
    Path tmp;

    private static byte[] bigLayer() {
        TestTar t = new TestTar().dir("data", 0755);
        for (int i = 0; i < 200; i++) {
            t.file("data/f" + i, 0644, TestTar.data(3000 + i * 17, i));
        }
        return t.finish();
    }

    @Test
    void twoThreadsImportingOneLayerAgree() throws Exception {
        Repository repo = Repository.init(tmp.resolve("r"));
        byte[] tar = bigLayer();
        String diffId = TestTar.diffId(tar);
        int n = 4;
        CyclicBarrier start = new CyclicBarrier(n);
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            List<Future<LayerImport>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Callable<LayerImport> task = () -> {
                    start.await();
                    // each thread opens the repository itself, as separate commands would
                    return LayerImporter.importLayer(Repository.open(repo.root()), new ByteArrayInputStream(tar), diffId);
                };
                results.add(pool.submit(task));
            }
            Set<ObjectId> ids = new HashSet<>();
            for (Future<LayerImport> f : results) {
                ids.add(f.get(60, TimeUnit.SECONDS).streamId());
            }
            assertEquals(1, ids.size());
        }
        assertExports(repo, diffId, tar);
    }

    @Test
    void twoProcessesImportingOneLayerAgree() throws Exception {
        Repository repo = Repository.init(tmp.resolve("r"));
        byte[] tar = bigLayer();
        String diffId = TestTar.diffId(tar);
        Path tarFile = Files.write(tmp.resolve("layer.tar"), tar);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> procs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            procs.add(new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                    System.getProperty("java.class.path"), ImportMain.class.getName(), repo.root().toString(),
                    tarFile.toString(), diffId).redirectErrorStream(true).start());
        }
        Set<String> out = new HashSet<>();
        for (Process p : procs) {
            String text = new String(p.getInputStream().readAllBytes()).strip();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), text);
            out.add(text);
        }
        assertEquals(1, out.size(), out.toString());
        assertExports(repo, diffId, tar);
    }

    private static void assertExports(Repository repo, String diffId, byte[] tar) throws Exception {
        ByteArrayOutputStream export = new ByteArrayOutputStream();
        LayerExporter.exportLayer(repo, diffId, export);
        assertEquals(diffId, TestTar.diffId(export.toByteArray()));
        assertTrue(Fsck.run(repo, 0).clean());
        org.cfsj.repo.RepositoryTest.assertNoTempFiles(repo);
    }
}
