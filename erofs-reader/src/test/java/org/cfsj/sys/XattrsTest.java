package org.cfsj.sys;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** llistxattr/lgetxattr/lsetxattr through FFM, cross-checked with getfattr/setfattr. */
class XattrsTest {
    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(ISO_8859_1);
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), ISO_8859_1);
        assertEquals(0, p.waitFor(), () -> String.join(" ", cmd) + ": " + out);
        return out;
    }

    private static boolean haveAttrTools() {
        return Files.isExecutable(Path.of("/usr/bin/getfattr")) && Files.isExecutable(Path.of("/usr/bin/setfattr"));
    }

    @Test
    void binaryValueRoundTripsThroughGetfattr() throws Exception {
        assumeTrue(haveAttrTools(), "needs getfattr/setfattr (Debian package attr)");
        Path f = Files.createFile(dir.resolve("f"));
        byte[] value = {0, 1, (byte) 0xff, '\n', 0};
        Xattrs.set(b(f.toString()), b("user.bin"), value, "f");
        Xattrs.set(b(f.toString()), b("user.empty"), new byte[0], "f");
        assertEquals("user.bin=0x0001ff0a00", run("getfattr", "--absolute-names", "-n", "user.bin", "-e", "hex", f.toString())
                .lines().filter(l -> l.startsWith("user.")).findFirst().orElseThrow());

        run("setfattr", "-n", "user.other", "-v", "0xcafe", f.toString());
        List<String> names = Xattrs.list(b(f.toString()), "f").stream().map(n -> new String(n, ISO_8859_1)).sorted().toList();
        assertEquals(List.of("user.bin", "user.empty", "user.other"), names);
        assertArrayEquals(value, Xattrs.get(b(f.toString()), b("user.bin"), "f"));
        assertArrayEquals(new byte[0], Xattrs.get(b(f.toString()), b("user.empty"), "f"));
        assertArrayEquals(new byte[] {(byte) 0xca, (byte) 0xfe}, Xattrs.get(b(f.toString()), b("user.other"), "f"));
        assertNull(Xattrs.get(b(f.toString()), b("user.missing"), "f"));
    }

    @Test
    void symlinkXattrsAreTheLinksOwn() throws Exception {
        assumeTrue(((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0, "needs root: trusted.* xattrs");
        Path target = Files.createFile(dir.resolve("target"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), target.getFileName());
        Xattrs.set(b(target.toString()), b("user.t"), b("target"), "target");
        Xattrs.set(b(link.toString()), b("trusted.l"), b("link"), "link");
        assertEquals(List.of("trusted.l"), Xattrs.list(b(link.toString()), "link").stream().map(n -> new String(n, ISO_8859_1)).toList());
        assertNull(Xattrs.get(b(link.toString()), b("user.t"), "link"), "the target's xattr is not the link's");
        assertTrue(Xattrs.list(b(target.toString()), "target").stream().noneMatch(n -> new String(n, ISO_8859_1).equals("trusted.l")));
    }

    @Test
    void procPathReachesAnEntryOfAnOpenDirectory() throws Exception {
        Path f = Files.createFile(dir.resolve("f"));
        Xattrs.set(b(f.toString()), b("user.x"), b("1"), "f");
        int dirfd = FileCalls.openat(FileCalls.AT_FDCWD, b(dir.toString()), FileCalls.O_RDONLY | FileCalls.O_DIRECTORY, "dir");
        try {
            assertArrayEquals(b("1"), Xattrs.get(Xattrs.procPath(dirfd, b("f")), b("user.x"), "f"));
        } finally {
            FileCalls.close(dirfd);
        }
    }

    @Test
    void missingFileIsAnErrorNamingIt() {
        SysException e = assertThrows(SysException.class, () -> Xattrs.list(b(dir + "/nope"), dir + "/nope"));
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().startsWith(dir + "/nope: "), e.getMessage());
    }
}
