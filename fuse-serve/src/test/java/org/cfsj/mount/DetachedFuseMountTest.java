package org.cfsj.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.cfsj.fuse.FuseDevice;
import org.cfsj.fuse.Mounts;
import org.cfsj.fuse.kernel.Opcode;
import org.cfsj.sys.Processes;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A FUSE server with no mount point: its clones (of a master mount that is never attached) are
 * one superblock — one device, one page cache — wherever they are attached, and closing the
 * server fails readers of a still-attached clone at once instead of hanging them.
 */
class DetachedFuseMountTest {
    @TempDir
    Path tmp;

    TestImage built;
    Path a;
    Path b;

    @BeforeEach
    void setUp() throws Exception {
        Assumptions.assumeTrue(Files.exists(FuseDevice.PATH), "SKIPPED: /dev/fuse is missing, cannot test real mounts");
        Assumptions.assumeTrue(Processes.geteuid() == 0, "SKIPPED: detached FUSE mounts need root");
        built = TestImage.build(tmp.resolve("img"), 1301, 150);
        a = Files.createDirectory(tmp.resolve("a"));
        b = Files.createDirectory(tmp.resolve("b"));
    }

    @AfterEach
    void nothingLeftMounted() throws Exception {
        TestImage.detach(a);
        TestImage.detach(b);
        assertEquals(0, Mounts.under(tmp).size(), "mounts left under " + tmp);
    }

    private ComposefsServer startDetached() throws Exception {
        return ComposefsServer.startDetached(built.image(), built.objects(), MountOptions.builder().threads(2).quiet(true).build());
    }

    @Test
    void clonesAttachedAtTwoPlacesAreOneSuperblockWithOnePageCache() throws Exception {
        try (ComposefsServer server = startDetached()) {
            TestImage.attach(server.cloneMount(), a);
            TestImage.attach(server.cloneMount(), b);
            try {
                long dev = Mounts.deviceOf(a);
                assertEquals(dev, Mounts.deviceOf(b), "one superblock, one device");
                assertNotEquals(dev, Mounts.deviceOf(tmp), "a FUSE mount is attached at " + a);
                assertEquals(server.device().toString(), Mounts.mountAt(a).orElseThrow().device());

                Map<String, String> source = TestImage.listing(built.source());
                assertEquals(source, TestImage.listing(a), "the mount shows the source tree");
                long reads = server.stats().count(Opcode.READ);
                assertTrue(reads > 0, "file data was read from the server");
                assertEquals(source, TestImage.listing(b), "the second clone shows the same tree");
                assertEquals(reads, server.stats().count(Opcode.READ),
                        "files read through one clone are not read from the server again through the other");
            } finally {
                TestImage.detach(a);
                TestImage.detach(b);
            }
        }
    }

    @Test
    void closingTheServerFailsReadersOfAnAttachedCloneWithinSeconds() throws Exception {
        ComposefsServer server = startDetached();
        Path file;
        try {
            TestImage.attach(server.cloneMount(), a);
            try (var files = Files.walk(a)) {
                file = files.filter(Files::isRegularFile).filter(p -> !p.equals(a)).findFirst().orElseThrow();
            }
        } catch (Exception e) {
            server.close();
            throw e;
        }
        long start = System.nanoTime();
        server.close();
        long closeMs = (System.nanoTime() - start) / 1_000_000;
        assertTrue(closeMs < 5_000, "close took " + closeMs + " ms");
        // a new process: a reader stuck in the kernel could not be stopped in this JVM
        start = System.nanoTime();
        Result r = Command.of("cat", a.resolve("never-cached-name").toString(), file.toString())
                .mergeStderr().timeoutSeconds(10).run();
        long readMs = (System.nanoTime() - start) / 1_000_000;
        assertNotEquals(0, r.exit(), "reading after the server closed must fail: " + r.describe());
        assertTrue(r.out().contains("Transport endpoint is not connected"), r.describe());
        assertTrue(readMs < 5_000, "the reader got its error after " + readMs + " ms");
    }
}
