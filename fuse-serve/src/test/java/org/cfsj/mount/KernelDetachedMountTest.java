package org.cfsj.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cfsj.fuse.Mounts;
import org.cfsj.sys.Processes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel composefs mount made with the new mount API: invisible until attached, then the
 * source tree exactly, with only the overlay visible (the EROFS layer is never attached).
 */
class KernelDetachedMountTest {
    @TempDir
    Path tmp;

    TestImage built;
    Path mnt;

    @BeforeEach
    void setUp() throws Exception {
        Assumptions.assumeTrue(Processes.geteuid() == 0, "SKIPPED: kernel composefs mounts need root");
        built = TestImage.build(tmp.resolve("img"), 1302, 150);
        mnt = Files.createDirectory(tmp.resolve("mnt"));
    }

    @AfterEach
    void nothingLeftMounted() throws Exception {
        TestImage.detach(mnt);
        assertEquals(0, Mounts.under(tmp).size(), "mounts left under " + tmp);
    }

    @Test
    void aDetachedKernelMountAttachedWithMoveMountShowsTheTree() throws Exception {
        long before = Files.lines(Path.of("/proc/self/mountinfo")).count();
        int fd = KernelComposefsMount.detached(built.image(), built.objects(), MountOptions.builder().build());
        assertEquals(before, Files.lines(Path.of("/proc/self/mountinfo")).count(), "a detached mount is attached nowhere");
        TestImage.attach(fd, mnt);
        var entry = Mounts.mountAt(mnt).orElseThrow();
        assertEquals("overlay", entry.fsType());
        assertEquals("composefs", entry.source());
        assertEquals(before + 1, Files.lines(Path.of("/proc/self/mountinfo")).count(), "only the overlay is visible");
        assertEquals(TestImage.listing(built.source()), TestImage.listing(mnt));
    }

    @Test
    void thePathMountIsTheDetachedMountMovedIntoPlace() throws Exception {
        try (KernelComposefsMount k = KernelComposefsMount.mount(built.image(), built.objects(), mnt,
                MountOptions.builder().build())) {
            assertNotEquals(Mounts.deviceOf(tmp), Mounts.deviceOf(mnt));
            assertEquals(TestImage.listing(built.source()), TestImage.listing(mnt));
        }
        assertFalse(Mounts.isMountPoint(mnt));
    }

    @Test
    void aNonRegularImageIsRefused() throws Exception {
        var e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> KernelComposefsMount.detached(built.objects(), built.objects(), MountOptions.builder().build()));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }
}
