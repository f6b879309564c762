package org.cfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cfsj.mount.KernelComposefsMount;
import org.cfsj.mount.MountOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The FUSE view of an image is the image, and it is what the kernel shows. For random source trees
 * on disk (every file type, hardlinks, binary xattrs, odd names, deep paths, inline and external
 * files), built with {@code cfsj mkcomposefs --digest-store} and served by {@code cfsj fuse-serve}
 * in its own process:
 * <ul>
 *   <li>{@code cfsj create-dumpfile} of the FUSE mount equals {@code cfsj composefs-info dump} of the
 *       image, byte for byte: no field is masked, directory sizes included (the kernel composefs
 *       view reports the EROFS directory size, so the server must too);
 *   <li>every regular file reads through FUSE exactly as the source file it was made from;
 *   <li>the kernel composefs mount of the same image (file-backed EROFS + overlayfs with the
 *       objects as data-only layer) dumps identically to the FUSE mount, and every file has the
 *       same bytes in both;
 *   <li>the server exits 0 on SIGTERM, unmounted, having answered no request with EIO.
 * </ul>
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class FuseDumpfileRoundtripTest {
    static final long[] SEEDS = {101, 202, 303};
    static final int ENTRIES = 450;

    @TempDir
    static Path tmp;

    static final List<Images.Built> images = new ArrayList<>();

    @BeforeAll
    static void buildImages() throws Exception {
        FuseEnvironment.requireFuse();
        for (long seed : SEEDS) {
            Images.Built b = Images.fromRandomTree(tmp.resolve("seed" + seed), seed, ENTRIES);
            System.out.println("FuseDumpfileRoundtripTest: seed " + seed + ": "
                    + Images.assertCoversEverything(Images.imageDump(b.image()), "seed " + seed));
            images.add(b);
        }
    }

    @Test
    void fuseMountDumpsAsTheImageAndReadsAsTheSource() throws Exception {
        for (int i = 0; i < SEEDS.length; i++) {
            Images.Built b = images.get(i);
            String ctx = "seed " + SEEDS[i];
            Path mnt = Files.createDirectories(tmp.resolve("fuse-" + SEEDS[i]));
            try (FuseServer server = FuseServer.start(b.image(), mnt, b.objects(), tmp.resolve("server-a-" + SEEDS[i]), 240)) {
                Images.assertSameDump(Images.imageDump(b.image()), Images.treeDump(mnt), ctx + ": create-dumpfile of the FUSE mount vs the image's dump");
                List<TreeFiles.File> files = TreeFiles.regularFiles(b.source());
                assertTrue(files.stream().anyMatch(f -> f.size() > 64) && files.stream().anyMatch(f -> f.size() > 0 && f.size() <= 64),
                        ctx + ": the tree should have inline and external files");
                TreeFiles.assertSameContents(b.source(), mnt, files, ctx + ": source vs FUSE");
                FuseServer.Exit exit = server.stopCleanly(FuseServer.Stop.SIGTERM);
                assertEquals(0, exit.stat("eio"), ctx + ": requests answered with EIO; stderr:\n" + exit.stderr());
            }
        }
    }

    /** The reference itself: if this fails, the writer or create-dumpfile is wrong, not the server. */
    @Test
    void kernelMountDumpsAsTheImage() throws Exception {
        FuseEnvironment.requireKernelComposefs();
        for (int i = 0; i < SEEDS.length; i++) {
            Images.Built b = images.get(i);
            Path work = Files.createDirectories(tmp.resolve("kernel-only-" + SEEDS[i]));
            Path kmnt = Files.createDirectories(work.resolve("mnt"));
            try (KernelComposefsMount k = KernelComposefsMount.mount(b.image(), b.objects(), kmnt, MountOptions.builder().build())) {
                Images.assertSameDump(Images.imageDump(b.image()), Images.treeDump(kmnt), "seed " + SEEDS[i] + ": kernel mount vs image dump");
                TreeFiles.assertSameContents(b.source(), kmnt, TreeFiles.regularFiles(b.source()), "seed " + SEEDS[i] + ": source vs kernel");
            }
        }
    }

    @Test
    void kernelAndFuseMountsAgree() throws Exception {
        FuseEnvironment.requireKernelComposefs();
        for (int i = 0; i < SEEDS.length; i++) {
            Images.Built b = images.get(i);
            String ctx = "seed " + SEEDS[i];
            Path work = Files.createDirectories(tmp.resolve("kernel-" + SEEDS[i]));
            Path kmnt = Files.createDirectories(work.resolve("mnt"));
            Path fmnt = Files.createDirectories(tmp.resolve("fuse-b-" + SEEDS[i]));
            try (KernelComposefsMount k = KernelComposefsMount.mount(b.image(), b.objects(), kmnt, MountOptions.builder().build());
                    FuseServer server = FuseServer.start(b.image(), fmnt, b.objects(), tmp.resolve("server-b-" + SEEDS[i]), 240)) {
                Images.assertSameDump(Images.treeDump(kmnt), Images.treeDump(fmnt), ctx + ": create-dumpfile kernel mount vs FUSE mount");
                List<TreeFiles.File> files = TreeFiles.regularFiles(kmnt);
                assertEquals(files.size(), TreeFiles.regularFiles(fmnt).size(), ctx + ": regular files in kernel vs FUSE mount");
                TreeFiles.assertSameContents(kmnt, fmnt, files, ctx + ": kernel vs FUSE");
                FuseServer.Exit exit = server.stopCleanly(FuseServer.Stop.SIGTERM);
                assertEquals(0, exit.stat("eio"), ctx + ": requests answered with EIO; stderr:\n" + exit.stderr());
            }
        }
    }
}
