package org.cfsj.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.FilesystemContext;
import org.cfsj.sys.MountCalls;
import org.cfsj.sys.Processes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Removing a tree someone else wrote: everything in it goes, nothing outside it does. */
class DirectoryRemovalTest {
    @TempDir
    Path tmp;

    @Test
    void removesTheTreeButNothingASymlinkPointsTo() throws IOException {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Files.writeString(outside.resolve("keep"), "keep me");
        Path tree = Files.createDirectory(tmp.resolve("tree"));
        Path deep = Files.createDirectories(tree.resolve("a/b/c"));
        Files.writeString(deep.resolve("f"), "x");
        Files.createSymbolicLink(tree.resolve("link-to-dir"), outside);
        Files.createSymbolicLink(deep.resolve("link-to-file"), outside.resolve("keep"));
        Files.setPosixFilePermissions(tree.resolve("a/b"), PosixFilePermissions.fromString("r-x------"));

        DirectoryRemoval.removeTree(tree);

        assertFalse(Files.exists(tree));
        assertEquals("keep me", Files.readString(outside.resolve("keep")), "a symlink's target is not touched");
        DirectoryRemoval.removeTree(tree); // already gone: nothing to do
    }

    @Test
    void doesNotEnterAnotherFilesystem() throws Exception {
        assumeTrue(Processes.geteuid() == 0, "SKIPPED: mounting a tmpfs inside the tree needs root");
        Path tree = Files.createDirectory(tmp.resolve("tree"));
        Path mnt = Files.createDirectories(tree.resolve("sub/mnt"));
        int fd;
        try (FilesystemContext ctx = FilesystemContext.open("tmpfs")) {
            fd = ctx.create().mount(0);
        }
        try {
            FilesystemContext.moveMount(fd, FileCalls.AT_FDCWD, mnt.toString());
        } finally {
            FileCalls.close(fd);
        }
        try {
            Files.writeString(mnt.resolve("on-the-mount"), "stays");
            IOException e = assertThrows(IOException.class, () -> DirectoryRemoval.removeTree(tree));
            assertTrue(e.getMessage().contains("another filesystem is mounted there"), e.getMessage());
            assertEquals("stays", Files.readString(mnt.resolve("on-the-mount")));
        } finally {
            MountCalls.umount2(mnt.toString(), MountCalls.MNT_DETACH);
        }
        DirectoryRemoval.removeTree(tree);
        assertFalse(Files.exists(tree));
    }

    @Test
    void aFileIsNotRemovedAsATree() throws IOException {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertThrows(IOException.class, () -> DirectoryRemoval.removeTree(file));
        assertTrue(Files.exists(file));
    }
}
