package org.cfsj.mount;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.cfsj.fuse.DeviceId;
import org.cfsj.sys.FilesystemContext;
import org.cfsj.sys.Processes;
import org.cfsj.sys.StatCalls;
import org.cfsj.testsupport.Command;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mounts of a device are found in this mount namespace and in another process's own one. */
class MountUsageTest {
    @TempDir
    Path tmp;

    @Test
    void theDeviceFieldOfMountinfoLinesIsMatched() {
        DeviceId fuse = new DeviceId(0, 44);
        Map<DeviceId, Integer> found = new HashMap<>();
        MountUsage.countMatches("""
                45 27 0:44 / /tmp/a ro,nosuid - fuse.cfsj cfsj ro
                46 27 0:440 / /tmp/b ro - tmpfs tmpfs rw
                47 27 0:44 / /tmp/c ro - fuse.cfsj cfsj ro
                broken
                48 27 10:44 / /x rw - ext4 /dev/x rw""", Map.of(fuse.toString(), fuse), found);
        assertEquals(Map.of(fuse, 2), found);
        assertEquals(2, new MountUsage.Counts(found, true).of(fuse));
        assertTrue(new MountUsage.Counts(Map.of(), false).maybeInUse(fuse), "an incomplete scan proves nothing");
        assertFalse(new MountUsage.Counts(Map.of(), true).maybeInUse(fuse));
    }

    @Test
    void mountsInAnotherMountNamespaceCount() throws Exception {
        Assumptions.assumeTrue(Processes.geteuid() == 0, "SKIPPED: mounting needs root");
        Assumptions.assumeTrue(Command.onPath("unshare"), "SKIPPED: unshare(1) is missing");
        Path dir = Files.createDirectory(tmp.resolve("t"));
        int fd;
        try (FilesystemContext ctx = FilesystemContext.open("tmpfs")) {
            fd = ctx.create().mount(0);
        }
        DeviceId dev = DeviceId.of(StatCalls.fstat(fd, "tmpfs"));
        assertEquals(0, MountUsage.scan(Set.of(dev)).of(dev), "a detached mount is in no table");
        TestImage.attach(fd, dir);
        Process other = null;
        try {
            assertEquals(1, MountUsage.scan(Set.of(dev)).of(dev));
            // a private copy of this namespace's mounts, in a process of its own
            other = new ProcessBuilder("unshare", "-m", "--propagation", "private", "sh", "-c",
                    "echo up; exec sleep 60").start();
            assertEquals("up\n", new String(other.getInputStream().readNBytes(3)), "the other namespace is ready");
            MountUsage.Counts both = MountUsage.scan(Set.of(dev));
            assertTrue(both.complete(), "scan complete");
            assertEquals(2, both.of(dev), "this namespace and the other one");
            TestImage.detach(dir);
            assertEquals(1, MountUsage.scan(Set.of(dev)).of(dev), "still mounted in the other namespace");
        } finally {
            TestImage.detach(dir);
            if (other != null) {
                other.destroyForcibly();
                other.waitFor(10, TimeUnit.SECONDS);
            }
        }
        assertEquals(0, MountUsage.scan(Set.of(dev)).of(dev), "gone with the last namespace holding it");
    }
}
