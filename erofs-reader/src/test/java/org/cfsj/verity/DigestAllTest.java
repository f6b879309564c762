package org.cfsj.verity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FsVerity#digestAll}: same digests as one file at a time, in order, stops at a failure. */
class DigestAllTest {
    @TempDir
    Path dir;

    @Test
    void deliversEveryDigestInOrderWithAnyThreadCount() throws IOException {
        List<Path> files = new ArrayList<>();
        Random r = new Random(3);
        for (int i = 0; i < 150; i++) {
            // Mostly small files, with two large ones (parallel path) among them.
            int size = i == 40 || i == 90 ? (int) FsVerity.PARALLEL_THRESHOLD + 4096 * i + i : r.nextInt(70_000);
            byte[] data = new byte[size];
            r.nextBytes(data);
            files.add(Files.write(dir.resolve("f" + i), data));
        }
        List<String> expected = new ArrayList<>();
        for (Path f : files) {
            expected.add(f + " " + FsVerity.toHex(FsVerity.digest(f, FsVerityParams.DEFAULT, 1)));
        }
        for (int threads : new int[] {0, 1, 2, 5}) {
            List<String> got = new ArrayList<>();
            FsVerity.digestAll(files, FsVerityParams.DEFAULT, threads,
                    (f, d) -> got.add(f + " " + FsVerity.toHex(d)));
            assertEquals(expected, got, threads + " threads");
        }
    }

    @Test
    void stopsAtTheFirstFailingFileAfterDeliveringTheOnesBefore() throws IOException {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            files.add(Files.write(dir.resolve("f" + i), new byte[i * 1000]));
        }
        Path missing = dir.resolve("missing");
        files.add(20, missing);
        files.add(30, dir); // a directory, after the missing file: never reported
        for (int threads : new int[] {1, 2}) {
            List<Path> delivered = new ArrayList<>();
            NoSuchFileException e = assertThrows(NoSuchFileException.class,
                    () -> FsVerity.digestAll(files, FsVerityParams.DEFAULT, threads, (f, d) -> delivered.add(f)));
            assertEquals(missing.toString(), e.getFile());
            assertEquals(files.subList(0, 20), delivered, threads + " threads");
        }
    }
}
