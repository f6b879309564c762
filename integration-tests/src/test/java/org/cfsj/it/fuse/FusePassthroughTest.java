package org.cfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.cfsj.mount.KernelComposefsMount;
import org.cfsj.mount.MountOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * With {@code --passthrough} the kernel reads external files straight from their backing objects:
 * reading every external file makes no READ request reach the server, and the bytes are right.
 * Inline files (content stored in the image, up to 64 bytes) have no backing file and are still
 * read by the server: at most one READ per inline inode (a whole page covers them), never more.
 * Backing ids work the same whether requests come over /dev/fuse or io_uring.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FusePassthroughTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"dev", "uring"})
    void externalFilesAreReadWithoutTheServer(String transport) throws Exception {
        FuseEnvironment.requireFuse();
        try (AutoCloseable ready = FuseEnvironment.transport(transport)) {
            externalFilesAreReadWithoutTheServer(transport, "--transport=" + transport);
        }
    }

    private void externalFilesAreReadWithoutTheServer(String transport, String option) throws Exception {
        Path src = tmp.resolve("src");
        Files.createDirectories(src.resolve("sub"));
        Random rnd = new Random(42);
        int[] sizes = {65, 4095, 4096, 4097, 100_000, 1 << 20, (3 << 20) + 17};
        for (int size : sizes) {
            byte[] b = new byte[size];
            rnd.nextBytes(b);
            Files.write(src.resolve("sub/f" + size), b);
        }
        // same content (one object, two inodes), a hardlink (one inode, two names), an empty file
        Files.copy(src.resolve("sub/f100000"), src.resolve("dup"));
        Files.createLink(src.resolve("hardlink"), src.resolve("sub/f1048576"));
        Files.write(src.resolve("empty"), new byte[0]);
        Path root = src;
        Images.Built b = Images.mkcomposefs(root, tmp.resolve("image.cfs"), tmp.resolve("objects"));
        String dump = Images.imageDump(b.image());
        assertTrue(dump.lines().noneMatch(FusePassthroughTest::isInlineWithData), "the image should have no inline file with data:\n" + dump);

        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        try (FuseServer server = FuseServer.start(b.image(), mnt, b.objects(), tmp.resolve("server"), 120, "--passthrough",
                option)) {
            List<TreeFiles.File> files = TreeFiles.regularFiles(root);
            TreeFiles.assertSameContents(root, mnt, files, "source vs FUSE --passthrough");
            // a second pass opens again; still nothing for the server to read
            TreeFiles.assertSameContents(root, mnt, files, "source vs FUSE --passthrough, second pass");
            long externalOpens = 2L * files.stream().filter(f -> f.size() > 0).count();
            Set<Long> externalInodes = new HashSet<>();
            TreeFiles.regularFiles(mnt).stream().filter(f -> f.size() > 0).forEach(f -> externalInodes.add(f.ino()));

            FuseServer.Exit exit = server.stopCleanly(FuseServer.Stop.SIGTERM);
            assertEquals(0, exit.stat("read"), "READ requests reached the server despite --passthrough: " + exit.stats()
                    + "\nstderr:\n" + exit.stderr());
            assertTrue(exit.stat("passthrough_opens") >= externalInodes.size(),
                    "passthrough_opens should cover each of the " + externalInodes.size() + " external inodes: " + exit.stats());
            assertTrue(exit.stat("passthrough_opens") <= externalOpens, "more passthrough opens than opens made (" + externalOpens + "): " + exit.stats());
            assertEquals(0, exit.stat("eio"), "EIO answers: " + exit.stats());
            assertEquals(FuseEnvironment.transportName(transport), exit.transport(), exit.stderr());
            System.out.println("FusePassthroughTest, external files only, " + transport + ": " + exit.stats());
        }
    }

    @Test
    void inlineFilesAreStillServedAndEverythingMatchesTheKernel() throws Exception {
        FuseEnvironment.requireKernelComposefs();
        Images.Built b = Images.fromRandomTree(tmp.resolve("t"), 202, 450); // a seed with several inline files
        String dump = Images.imageDump(b.image());
        long inlineWithData = dump.lines().filter(FusePassthroughTest::isInlineWithData).count();
        assertTrue(inlineWithData > 0, "the random tree should have inline files");
        // A READ covers at least one page, so inline data needs at most this many READs, plus a
        // couple for pages the kernel may reclaim between the three passes below (9 READs for 8
        // one-page files, twice in a row, while another job deleted tens of GB; 8 before and
        // after). Any external file read through the server adds at least one per file, and 168
        // external files are opened.
        long inlinePages = dump.lines().filter(FusePassthroughTest::isInlineWithData)
                .mapToLong(l -> (Long.parseLong(l.split(" ")[1]) + 4095) / 4096).sum();

        Path kmnt = Files.createDirectories(tmp.resolve("k/mnt"));
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        try (KernelComposefsMount k = KernelComposefsMount.mount(b.image(), b.objects(), kmnt, MountOptions.builder().build());
                FuseServer server = FuseServer.start(b.image(), mnt, b.objects(), tmp.resolve("server"), 120, "--passthrough")) {
            List<TreeFiles.File> files = TreeFiles.regularFiles(kmnt);
            TreeFiles.assertSameContents(kmnt, mnt, files, "kernel vs FUSE --passthrough");
            TreeFiles.assertSameContents(b.source(), mnt, TreeFiles.regularFiles(b.source()), "source vs FUSE --passthrough");
            Images.assertSameDump(Images.treeDump(kmnt), Images.treeDump(mnt), "create-dumpfile kernel vs FUSE --passthrough");

            FuseServer.Exit exit = server.stopCleanly(FuseServer.Stop.SIGTERM);
            assertTrue(exit.stat("read") <= inlinePages + 2, "READ requests (" + exit.stat("read") + ") exceed the " + inlinePages
                    + " (+2) pages of the " + inlineWithData + " inline files with data: external reads reached the server despite"
                    + " --passthrough; " + exit.stats());
            assertTrue(exit.stat("passthrough_opens") > 0, "no passthrough open: " + exit.stats());
            assertEquals(0, exit.stat("eio"), "EIO answers: " + exit.stats() + "\nstderr:\n" + exit.stderr());
            System.out.println("FusePassthroughTest, random tree with " + inlineWithData + " inline files: " + exit.stats());
        }
    }

    /** A dumpfile line of a regular file (not a hardlink line) with data stored in the image. */
    static boolean isInlineWithData(String line) {
        String[] f = line.split(" ");
        return !f[2].startsWith("@") && (Integer.parseInt(f[2], 8) & 0170000) == 0100000 && Long.parseLong(f[1]) > 0 && f[8].equals("-");
    }
}
