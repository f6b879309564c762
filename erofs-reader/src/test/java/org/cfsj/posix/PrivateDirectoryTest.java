package org.cfsj.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.cfsj.sys.Processes;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A private directory is made 0700, tightened if ours, and refused when someone else could own or replace it. */
class PrivateDirectoryTest {
    @TempDir
    Path tmp;

    @Test
    void missingDirectoryIsMade0700() throws Exception {
        Path d = PrivateDirectory.ensure(tmp.resolve("parent/cfsj"));
        assertEquals(0700, PrivateDirectory.mode(d));
        assertFalse(Files.isSymbolicLink(d));
        assertEquals(Processes.geteuid(), (Integer) Files.getAttribute(d, "unix:uid", LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void looseModeOfOurOwnIsTightened() throws Exception {
        Path d = Files.createDirectory(tmp.resolve("cfsj"));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
        PrivateDirectory.ensure(d);
        assertEquals(0700, PrivateDirectory.mode(d));
    }

    @Test
    void symlinkInItsPlaceIsRefusedAndLeftAlone() throws Exception {
        Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
        Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path link = Files.createSymbolicLink(tmp.resolve("cfsj"), elsewhere);
        IOException e = assertThrows(IOException.class, () -> PrivateDirectory.ensure(link));
        assertTrue(e.getMessage().contains("symlink"), e.getMessage());
        assertEquals(0755, PrivateDirectory.mode(elsewhere), "the symlink's target is not touched");
    }

    @Test
    void plainFileInItsPlaceIsRefused() throws Exception {
        Path f = Files.writeString(tmp.resolve("cfsj"), "x");
        assertThrows(IOException.class, () -> PrivateDirectory.ensure(f));
        assertEquals("x", Files.readString(f));
    }

    @Test
    void directoryOfAnotherUserIsRefused() throws Exception {
        Assumptions.assumeTrue(Processes.geteuid() == 0, "SKIPPED: giving a directory to another user needs root");
        Path d = Files.createDirectory(tmp.resolve("cfsj"));
        Files.setAttribute(d, "unix:uid", 65534);
        IOException e = assertThrows(IOException.class, () -> PrivateDirectory.ensure(d));
        assertTrue(e.getMessage().contains("owned by uid 65534"), e.getMessage());
    }

    @Test
    void parentOthersCanWriteToIsRefusedUnlessSticky() throws Exception {
        Path open = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        IOException e = assertThrows(IOException.class, () -> PrivateDirectory.ensure(open.resolve("cfsj")));
        assertTrue(e.getMessage().contains("other users can write"), e.getMessage());
        assertFalse(Files.exists(open.resolve("cfsj")));
        Files.setAttribute(open, "unix:mode", 01777);
        assertEquals(0700, PrivateDirectory.mode(PrivateDirectory.ensure(open.resolve("cfsj"))), "a sticky parent (like /tmp) is fine");
    }

    @Test
    void rootAlwaysUsesRunCfsjAndUsersTheirRuntimeDirectory() {
        Map<String, String> env = Map.of("XDG_RUNTIME_DIR", "/run/user/1000", "XDG_STATE_HOME", "/home/u/.state");
        assertEquals(Path.of("/run/cfsj"), PrivateDirectory.runtimeDirectoryPath(0, env, "/root"));
        assertEquals(Path.of("/run/user/1000/cfsj"), PrivateDirectory.runtimeDirectoryPath(1000, env, "/home/u"));
        assertEquals(Path.of("/home/u/.state/cfsj"),
                PrivateDirectory.runtimeDirectoryPath(1000, Map.of("XDG_STATE_HOME", "/home/u/.state"), "/home/u"));
        assertEquals(Path.of("/home/u/.local/state/cfsj"), PrivateDirectory.runtimeDirectoryPath(1000, Map.of(), "/home/u"));
    }
}
