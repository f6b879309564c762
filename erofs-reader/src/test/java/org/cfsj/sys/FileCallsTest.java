package org.cfsj.sys;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.EOFException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fd-relative bindings, checked against the JDK, {@code stat} and {@code ls}. */
class FileCallsTest {
    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(ISO_8859_1);
    }

    private static String run(Path cwd, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), ISO_8859_1);
        assertEquals(0, p.waitFor(), () -> String.join(" ", cmd) + ": " + out);
        return out;
    }

    @Test
    void statxMatchesStat() throws Exception {
        Path f = dir.resolve("f");
        Files.write(f, new byte[1234]);
        Files.createLink(dir.resolve("g"), f);
        int dirfd = FileCalls.openat(FileCalls.AT_FDCWD, b(dir.toString()), FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, "dir");
        try {
            Stat st = StatCalls.statx(dirfd, b("f"), FileCalls.AT_SYMLINK_NOFOLLOW, "f");
            String[] s = run(dir, "stat", "-c", "%f %u %g %h %s %i %d %Y", "f").trim().split(" ");
            assertEquals(Integer.parseInt(s[0], 16), st.mode());
            assertEquals(Integer.parseInt(s[1]), st.uid());
            assertEquals(Integer.parseInt(s[2]), st.gid());
            assertEquals(2, st.nlink());
            assertEquals(Long.parseLong(s[3]), st.nlink());
            assertEquals(1234, st.size());
            assertEquals(Long.parseLong(s[5]), st.ino());
            assertEquals(Long.parseLong(s[6]), st.dev());
            assertEquals(Long.parseLong(s[7]), st.mtimeSec());
            assertEquals(((java.nio.file.attribute.FileTime) Files.getAttribute(f, "lastModifiedTime")).toInstant().getNano(),
                    st.mtimeNsec());
        } finally {
            FileCalls.close(dirfd);
        }
    }

    @Test
    void symlinkIsNotFollowedAndTargetIsRawBytes() throws Exception {
        byte[] target = new byte[4095]; // PATH_MAX - 1: the longest target Linux allows
        Arrays.fill(target, (byte) 0xe9);
        target[0] = (byte) 0x80;
        run(dir, "bash", "-c", "ln -s \"$(printf '\\x80'; head -c 4094 /dev/zero | tr '\\0' '\\351')\" l");
        int dirfd = FileCalls.openat(FileCalls.AT_FDCWD, b(dir.toString()), FileCalls.O_RDONLY | FileCalls.O_DIRECTORY, "dir");
        try {
            assertEquals(Stat.S_IFLNK, StatCalls.statx(dirfd, b("l"), FileCalls.AT_SYMLINK_NOFOLLOW, "l").type());
            assertArrayEquals(target, FileCalls.readlinkat(dirfd, b("l"), "l"));
            assertThrows(SysException.class,
                    () -> FileCalls.openat(dirfd, b("l"), FileCalls.O_RDONLY | FileCalls.O_NOFOLLOW, "l"), "O_NOFOLLOW refuses a symlink");
        } finally {
            FileCalls.close(dirfd);
        }
    }

    @Test
    void readDirectorySeesEveryNameAcrossManyBatches() throws Exception {
        // 600 entries with 200-byte names: about four 32 KiB getdents64 buffers
        run(dir, "bash", "-c", "for i in $(seq 1 600); do printf -v n 'name-%d-%0200d' $i $i; : > \"$n\"; done; : > \"$(printf 'raw\\xff\\x01')\"");
        int dirfd = FileCalls.openat(FileCalls.AT_FDCWD, b(dir.toString()), FileCalls.O_RDONLY | FileCalls.O_DIRECTORY, "dir");
        List<String> names = new ArrayList<>();
        try {
            for (byte[] n : FileCalls.readDirectory(dirfd, "dir")) {
                names.add(new String(n, ISO_8859_1));
            }
        } finally {
            FileCalls.close(dirfd);
        }
        List<String> expected = new ArrayList<>(Arrays.asList(run(dir, "bash", "-c", "LC_ALL=C ls -A | LC_ALL=C sort").split("\n")));
        names.sort(null);
        expected.sort(null);
        assertEquals(601, names.size());
        assertEquals(expected, names);
        assertTrue(names.contains("raw\u00ff\u0001"));
    }

    @Test
    void readFullyAndErrors() throws Exception {
        Files.writeString(dir.resolve("five"), "12345");
        int fd = FileCalls.openat(FileCalls.AT_FDCWD, b(dir.resolve("five").toString()), FileCalls.O_RDONLY, "five");
        try {
            assertArrayEquals(b("123"), Io.readFully(fd, 3, "five"));
            assertThrows(EOFException.class, () -> Io.readFully(fd, 3, "five"), "only 2 bytes left");
        } finally {
            FileCalls.close(fd);
        }
        SysException e = assertThrows(SysException.class,
                () -> StatCalls.statx(FileCalls.AT_FDCWD, b(dir + "/missing"), 0, dir + "/missing"));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals(dir + "/missing: No such file or directory", e.getMessage());
    }

    @Test
    void makedevMatchesGlibc() {
        assertEquals(0x0103, Stat.makedev(1, 3));
        assertEquals(0x0700, Stat.makedev(7, 0));
        // large numbers spill into the high bits; values from Python's os.makedev (glibc makedev)
        assertEquals(0xf42fa040L, Stat.makedev(4000, 1000000));
        assertEquals(0x126789ab345cdL, Stat.makedev(0x12345, 0x6789abcd));
    }

}
