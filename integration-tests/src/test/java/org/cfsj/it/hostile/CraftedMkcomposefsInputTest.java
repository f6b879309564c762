package org.cfsj.it.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cfsj.sys.Xattrs;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cfsj mkcomposefs} given what no composefs image can hold, from a dumpfile (a NUL
 * spelled {@code \x00} in a name or a symlink target) and from a directory (an xattr value of
 * 65,536 bytes, which tmpfs stores but EROFS's 16-bit length cannot): exit 1, one line naming
 * the entry, and no image file.
 */
class CraftedMkcomposefsInputTest {
    @TempDir
    Path tmp;

    private static final String ROOT = "/ 4096 40755 2 0 0 0 0.0 - - -\n";

    private void refusedDump(String line, String expected) throws Exception {
        Path dump = Files.writeString(tmp.resolve("dump"), ROOT + line + "\n", StandardCharsets.ISO_8859_1);
        Path image = tmp.resolve("image");
        Result r = Cfsj.run("mkcomposefs", "--from-file", dump.toString(), image.toString());
        assertEquals(1, r.exit(), r.describe());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), "one line: " + r.describe());
        assertTrue(err.contains(expected) && err.contains("2"), r.describe());
        assertFalse(Files.exists(image), "no image is written");
        try (var s = Files.list(tmp)) {
            assertEquals(List.of(dump), s.toList(), "no temp file is left");
        }
    }

    @Test
    void dumpfileNameWithNulIsRefused() throws Exception {
        refusedDump("/a\\x00b 0 100644 1 0 0 0 0.0 - - -", "NUL");
    }

    @Test
    void dumpfileSymlinkTargetWithNulIsRefused() throws Exception {
        refusedDump("/l 3 120777 1 0 0 0 0.0 a\\x00b - -", "NUL");
    }

    @Test
    void directoryXattrTooLongForErofsIsRefused() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to mount a tmpfs (tmpfs stores 64 KiB xattr values)");
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        Result m = Command.of("mount", "-t", "tmpfs", "-o", "size=8m,mode=0755", "tmpfs", mnt.toString()).mergeStderr().run();
        assertEquals(0, m.exit(), m.describe());
        try {
            Path file = Files.writeString(mnt.resolve("holder"), "x");
            Xattrs.set(file.toString().getBytes(StandardCharsets.ISO_8859_1), "user.big".getBytes(StandardCharsets.US_ASCII),
                    new byte[65536], file.toString());
            Path image = tmp.resolve("image");
            Result r = Cfsj.run("mkcomposefs", mnt.toString(), image.toString());
            assertEquals(1, r.exit(), r.describe());
            String err = r.err().strip();
            assertFalse(err.contains("\n"), "one line: " + r.describe());
            assertTrue(err.contains("holder") && err.contains("user.big") && err.contains("65535"), r.describe());
            assertFalse(Files.exists(image), "no image is written");
        } finally {
            Result u = Command.of("umount", mnt.toString()).mergeStderr().run();
            assertEquals(0, u.exit(), u.describe());
        }
    }
}
