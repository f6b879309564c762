package org.cfsj.erofs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Metadata;
import org.cfsj.tree.RegularFile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ErofsImage#readAhead()}: an image opened from a file whose pages are not in the page
 * cache is read into it by the call alone, before anything reads the image. Residency is what
 * util-linux {@code fincore} reports.
 */
class ImageReadAheadTest {
    @TempDir
    Path tmp;

    @Test
    void readAheadPutsTheWholeImageIntoThePageCache() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/fincore")), "SKIPPED: needs fincore (util-linux)");
        Path file = tmp.resolve("image.cfs");
        Files.write(file, ComposefsImageWriter.toBytes(manyFiles(), ComposefsImageWriter.Options.DEFAULT));
        long size = Files.size(file);
        run("sync", file.toString());
        // GNU dd with iflag=nocache and no data copied drops the file's cached pages
        run("dd", "if=" + file, "iflag=nocache", "count=0", "status=none");
        Assumptions.assumeTrue(resident(file) == 0,
                "SKIPPED: this filesystem keeps the file's pages cached (tmpfs?); nothing to read ahead");

        try (ErofsImage image = ErofsImage.open(file)) {
            image.readAhead();
            long deadline = System.nanoTime() + 30_000_000_000L; // a deadline for a disk read, not a timing
            while (resident(file) < size && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(size, resident(file), "bytes of the image in the page cache");
        }
    }

    /**
     * 20,000 inline files of 2,000 bytes: an image of about 40 MiB, far more than the kernel reads
     * around the few pages that opening it touches (superblock, root inode; a fault reads up to
     * read_ahead_kb around it, 8 MiB on some VMs).
     */
    private static Directory manyFiles() {
        Metadata meta = new Metadata(0644, 0, 0, 1_700_000_000L, 0, 1, List.of());
        Directory root = new Directory(new Metadata(0755, 0, 0, 1_700_000_000L, 0, 2, List.of()));
        byte[] content = new byte[2000];
        for (int i = 0; i < 20_000; i++) {
            content[0] = (byte) i;
            root.add(Bytes.of("f" + i), RegularFile.inline(meta, content.clone()));
        }
        return root;
    }

    /** Bytes of {@code file} in the page cache, per fincore. */
    private static long resident(Path file) throws IOException, InterruptedException {
        return Long.parseLong(run("fincore", "--bytes", "--noheadings", "--output", "RES", file.toString()).strip());
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
