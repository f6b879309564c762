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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
 * The FUSE checks run through both transports: /dev/fuse and FUSE over io_uring (where the kernel
 * has it; enable_uring is turned on for the test and put back after).
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

    @ParameterizedTest
    @ValueSource(strings = {"dev", "uring"})
    void fuseMountDumpsAsTheImageAndReadsAsTheSource(String transport) throws Exception {
        try (AutoCloseable ready = FuseEnvironment.transport(transport)) {
            fuseMountDumpsAsTheImageAndReadsAsTheSource(transport, "--transport=" + transport);
        }
    }

    private void fuseMountDumpsAsTheImageAndReadsAsTheSource(String transport, String option) throws Exception {
        for (int i = 0; i < SEEDS.length; i++) {
            Images.Built b = images.get(i);
            String ctx = "seed " + SEEDS[i] + ", " + transport;
            Path mnt = Files.createDirectories(tmp.resolve("fuse-" + transport + "-" + SEEDS[i]));
            try (FuseServer server = FuseServer.start(b.image(), mnt, b.objects(),
                    tmp.resolve("server-a-" + transport + "-" + SEEDS[i]), 240, option)) {
                Images.assertSameDump(Images.imageDump(b.image()), Images.treeDump(mnt), ctx + ": create-dumpfile of the FUSE mount vs the image's dump");
                List<TreeFiles.File> files = TreeFiles.regularFiles(b.source());
                assertTrue(files.stream().anyMatch(f -> f.size() > 64) && files.stream().anyMatch(f -> f.size() > 0 && f.size() <= 64),
                        ctx + ": the tree should have inline and external files");
                TreeFiles.assertSameContents(b.source(), mnt, files, ctx + ": source vs FUSE");
                FuseServer.Exit exit = server.stopCleanly(FuseServer.Stop.SIGTERM);
                assertEquals(0, exit.stat("eio"), ctx + ": requests answered with EIO; stderr:\n" + exit.stderr());
                assertEquals(FuseEnvironment.transportName(transport), exit.transport(), ctx + ": " + exit.stderr());
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

    @ParameterizedTest
    @ValueSource(strings = {"dev", "uring"})
    void kernelAndFuseMountsAgree(String transport) throws Exception {
        FuseEnvironment.requireKernelComposefs();
        try (AutoCloseable ready = FuseEnvironment.transport(transport)) {
            kernelAndFuseMountsAgree(transport, "--transport=" + transport);
        }
    }

    private void kernelAndFuseMountsAgree(String transport, String option) throws Exception {
        for (int i = 0; i < SEEDS.length; i++) {
            Images.Built b = images.get(i);
            String ctx = "seed " + SEEDS[i] + ", " + transport;
            Path work = Files.createDirectories(tmp.resolve("kernel-" + transport + "-" + SEEDS[i]));
            Path kmnt = Files.createDirectories(work.resolve("mnt"));
            Path fmnt = Files.createDirectories(tmp.resolve("fuse-b-" + transport + "-" + SEEDS[i]));
            try (KernelComposefsMount k = KernelComposefsMount.mount(b.image(), b.objects(), kmnt, MountOptions.builder().build());
                    FuseServer server = FuseServer.start(b.image(), fmnt, b.objects(),
                            tmp.resolve("server-b-" + transport + "-" + SEEDS[i]), 240, option)) {
                Images.assertSameDump(Images.treeDump(kmnt), Images.treeDump(fmnt), ctx + ": create-dumpfile kernel mount vs FUSE mount");
                List<TreeFiles.File> files = TreeFiles.regularFiles(kmnt);
                assertEquals(files.size(), TreeFiles.regularFiles(fmnt).size(), ctx + ": regular files in kernel vs FUSE mount");
                TreeFiles.assertSameContents(kmnt, fmnt, files, ctx + ": kernel vs FUSE");
                FuseServer.Exit exit = server.stopCleanly(FuseServer.Stop.SIGTERM);
                assertEquals(0, exit.stat("eio"), ctx + ": requests answered with EIO; stderr:\n" + exit.stderr());
                assertEquals(FuseEnvironment.transportName(transport), exit.transport(), ctx + ": " + exit.stderr());
            }
        }
    }
}
