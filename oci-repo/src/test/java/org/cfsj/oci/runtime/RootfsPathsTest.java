package org.cfsj.oci.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootfsPathsTest {
    @TempDir
    Path root;

    @Test
    void symlinksResolveInsideTheRoot() throws Exception {
        Files.createDirectories(root.resolve("usr/bin"));
        Files.createDirectories(root.resolve("etc"));
        Files.createSymbolicLink(root.resolve("bin"), Path.of("usr/bin"));
        Files.createSymbolicLink(root.resolve("abs"), Path.of("/usr"));
        Files.createSymbolicLink(root.resolve("up"), Path.of("../../.."));
        Files.createSymbolicLink(root.resolve("loop"), Path.of("loop"));
        assertEquals(Optional.of(root.resolve("usr/bin")), RootfsPaths.resolve(root, "/bin"));
        assertEquals(Optional.of(root.resolve("usr/bin")), RootfsPaths.resolve(root, "/abs/bin/"));
        assertEquals(Optional.of(root.resolve("etc")), RootfsPaths.resolve(root, "/up/up/etc"));
        assertEquals(Optional.of(root), RootfsPaths.resolve(root, "/../.."));
        assertEquals(Optional.empty(), RootfsPaths.resolve(root, "/loop"));
        assertEquals(Optional.empty(), RootfsPaths.resolve(root, "/nope/x"));
        assertTrue(RootfsPaths.isDirectory(root, "/abs/bin"));
        assertFalse(RootfsPaths.isDirectory(root, "/proc"));
    }
}
