package org.cfsj.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The new mount API on tmpfs: a detached mount is invisible until attached, attaches where asked,
 * its clones share the superblock, mount attributes hold, and the kernel's own message comes
 * back with a refused option.
 */
class FilesystemContextTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void needsRoot() {
        assumeTrue(Processes.geteuid() == 0, "SKIPPED: the new mount API needs root (CAP_SYS_ADMIN); not checked");
    }

    @Test
    void detachedMountAttachesWhereMovedAndClonesShareTheSuperblock() throws Exception {
        Path a = Files.createDirectory(tmp.resolve("a"));
        Path b = Files.createDirectory(tmp.resolve("b"));
        int mnt;
        try (FilesystemContext ctx = FilesystemContext.open("tmpfs")) {
            mnt = ctx.set("mode", "0755").create().mount(FilesystemContext.MOUNT_ATTR_NOSUID | FilesystemContext.MOUNT_ATTR_NODEV);
        }
        try {
            assertFalse(isMountPoint(a), "a detached mount is visible nowhere");
            FilesystemContext.moveMount(mnt, FileCalls.AT_FDCWD, a.toString());
        } finally {
            FileCalls.close(mnt); // an fd on an attached mount would keep it busy
        }
        try {
            Files.writeString(a.resolve("f"), "hello");
            int dir = FileCalls.open(a.toString(), FileCalls.O_PATH | FileCalls.O_CLOEXEC, 0);
            int clone;
            try {
                clone = FilesystemContext.cloneMount(dir);
            } finally {
                FileCalls.close(dir);
            }
            try {
                // attributes are per mount: the clone loses nosuid, the original keeps it
                FilesystemContext.setAttributes(clone, 0, FilesystemContext.MOUNT_ATTR_NOSUID);
                FilesystemContext.moveMount(clone, FileCalls.AT_FDCWD, b.toString());
            } finally {
                FileCalls.close(clone);
            }
            try {
                assertEquals("hello", Files.readString(b.resolve("f")), "the clone shows the same files");
                assertEquals(device(a), device(b), "one superblock, one device");
                assertTrue(mountOptions(a).contains("nosuid") && mountOptions(a).contains("nodev"), mountOptions(a));
                assertFalse(mountOptions(b).contains("nosuid"), "cleared on the clone: " + mountOptions(b));
                assertTrue(mountOptions(b).contains("nodev"), "the rest kept: " + mountOptions(b));
            } finally {
                MountCalls.umount2(b.toString(), 0);
            }
        } finally {
            MountCalls.umount2(a.toString(), 0);
        }
    }

    @Test
    void aRefusedOptionCarriesTheKernelsMessage() throws Exception {
        try (FilesystemContext ctx = FilesystemContext.open("tmpfs")) {
            SysException e = assertThrows(SysException.class, () -> ctx.set("no_such_option", "1"));
            assertEquals(Errno.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("tmpfs no_such_option=1") && e.getMessage().contains("kernel:"),
                    e.getMessage());
        }
    }

    @Test
    void anUnknownFilesystemTypeIsNoSuchDevice() {
        SysException e = assertThrows(SysException.class, () -> FilesystemContext.open("no-such-fs"));
        assertEquals(Errno.ENODEV, e.errno());
    }

    private static boolean isMountPoint(Path dir) throws Exception {
        return !device(dir).equals(device(dir.getParent()));
    }

    private static Object device(Path p) throws Exception {
        return Files.readAttributes(p, BasicFileAttributes.class).fileKey().toString().replaceAll(",ino=.*", "");
    }

    private static String mountOptions(Path p) throws Exception {
        String real = p.toRealPath().toString();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] f = line.split(" ");
            if (f[4].equals(real)) {
                return f[5];
            }
        }
        return "";
    }
}
