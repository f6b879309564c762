package org.cfsj.it.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A background FUSE server's log: nothing is written by name in a world-writable directory. A
 * symlink or a directory planted where cfsj used to write its log ({@code
 * /tmp/cfsj-fuse-serve.<mountpoint>.log}) changes nothing; the start-up warning reaches the
 * starting command's stderr; what a server says later goes to a 0600 file with a name of its
 * own in root's private {@code /run/cfsj} (these VMs have no journal), and a server that says
 * nothing leaves nothing behind after {@code cfsj umount}.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BackgroundServerLogTest {
    /** Root's private runtime directory, where a background server's log goes when there is no journal. */
    private static final Path RUNTIME_DIR = Path.of("/run/cfsj");
    private static final Path JOURNAL = Path.of("/run/systemd/journal/stdout");
    private static final String SECRET = "root's own file, not to be touched\n";

    private Path work;
    private Path image;
    private Path objects;
    private final List<Path> mounts = new ArrayList<>();
    private final List<Path> planted = new ArrayList<>();

    @BeforeEach
    void image() throws Exception {
        Host.requireRootFuseAndNobody();
        work = Files.createTempDirectory("cfsj-log-it");
        Path src = Files.createDirectories(work.resolve("src"));
        Files.writeString(src.resolve("small"), "inline\n");
        Files.write(src.resolve("big"), new byte[10_000]);
        image = work.resolve("image.cfs");
        objects = work.resolve("objects");
        Result mk = Cfsj.run("mkcomposefs", "--digest-store", objects.toString(), src.toString(), image.toString());
        assertEquals(0, mk.exit(), mk.describe());
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Path m : mounts) {
            Host.forceUnmount(m);
        }
        for (Path p : planted) {
            Command.of(List.of("rm", "-rf", p.toString())).timeoutSeconds(60).run();
        }
        for (Path log : logsNaming(work)) {
            Files.deleteIfExists(log);
        }
        if (work != null) {
            Command.of(List.of("rm", "-rf", work.toString())).timeoutSeconds(60).run();
        }
    }

    /** Where cfsj used to write the log of a background server for {@code mnt}. */
    private static Path oldLogName(Path mnt) {
        return Path.of("/tmp", "cfsj-fuse-serve." + mnt.toString().replaceAll("[^A-Za-z0-9._-]", "_") + ".log");
    }

    private Path mountPoint(String name) throws IOException {
        Path m = Files.createDirectories(work.resolve(name));
        mounts.add(m);
        return m;
    }

    private Result serveInBackground(Path mnt, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("fuse-serve", image.toString(), mnt.toString(), "--basedir",
                objects.toString(), "--background"));
        args.addAll(List.of(extra));
        return Cfsj.command(args).timeoutSeconds(120).run();
    }

    @Test
    void symlinksAndDirectoriesPlantedAtTheOldLogPathsChangeNothing() throws Exception {
        Path target = work.resolve("root-only");
        Files.writeString(target, SECRET);
        Command.of("chmod", "0600", target.toString()).check();

        Path viaServe = mountPoint("serve-symlink");
        Path viaOciMount = mountPoint("oci-mount-symlink");
        Path viaDir = mountPoint("serve-dir");
        Path link1 = plantSymlink(oldLogName(viaServe), target);
        Path link2 = plantSymlink(oldLogName(viaOciMount), target);
        Path dir = oldLogName(viaDir);
        Files.createDirectory(dir);
        planted.add(dir);
        Files.writeString(dir.resolve("keep"), "x\n");

        Result serve = serveInBackground(viaServe, "--insecure");
        assertEquals(0, serve.exit(), serve.describe());
        assertTrue(serve.err().contains("WARNING: --insecure"), "the start-up warning is shown before the command returns: "
                + serve.describe());
        Result serveDir = serveInBackground(viaDir, "--insecure");
        assertEquals(0, serveDir.exit(), "a directory at the old log path does not stop the mount: " + serveDir.describe());

        Path repo = work.resolve("repo");
        Result oci = ociMountFuse(repo, viaOciMount);
        assertEquals(0, oci.exit(), oci.describe());
        assertTrue(oci.err().contains("WARNING: --insecure"), "cfsj oci mount shows the server's warning: " + oci.describe());

        for (Path m : List.of(viaServe, viaDir)) {
            assertEquals("inline\n", Files.readString(m.resolve("small")), "the mount at " + m + " works");
        }
        assertEquals(SECRET, Files.readString(target), "the symlinks' target is untouched");
        assertEquals(0600, (Integer) Files.getAttribute(target, "unix:mode") & 07777);
        for (Path link : List.of(link1, link2)) {
            assertTrue(Files.isSymbolicLink(link), link + " is still the symlink that was planted");
            assertEquals(target, Files.readSymbolicLink(link));
        }
        assertTrue(Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && Files.readString(dir.resolve("keep")).equals("x\n"),
                "the planted directory is untouched");

        for (Path m : List.of(viaServe, viaDir, viaOciMount)) {
            Result u = Cfsj.run("umount", m.toString());
            assertEquals(0, u.exit(), u.describe());
        }
        awaitServersGone();
        assertEquals(List.of(), logsNaming(work), "servers that said nothing after start-up leave no log behind");
        assertEquals(List.of(), newTmpFilesNaming(work), "nothing of these mounts is left in /tmp");
    }

    /** {@code cfsj oci mount --fuse --insecure} of a one-file image, pulled from an OCI layout written here. */
    private Result ociMountFuse(Path repo, Path mnt) throws Exception {
        Path layoutSrc = Files.createDirectories(work.resolve("layout-src"));
        Files.writeString(layoutSrc.resolve("hello"), "hello\n");
        Path layout = work.resolve("layout");
        Command.of("tar", "--format=pax", "-C", layoutSrc.toString(), "-cf", work.resolve("layer.tar").toString(), ".").check();
        OciLayout.write(layout, work.resolve("layer.tar"), "t", "{\"Cmd\":[\"/hello\"]}");
        Result pull = Cfsj.run("--repo", repo.toString(), "oci", "pull", "--quiet", "oci:" + layout + ":t", "t");
        assertEquals(0, pull.exit(), pull.describe());
        return Cfsj.run("--repo", repo.toString(), "oci", "mount", "--fuse", "--insecure", "t", mnt.toString());
    }

    @Test
    void laterMessagesGoToAPrivateFileOfTheirOwnPerMount() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(JOURNAL),
                "SKIPPED: journald runs here, so background servers log to the journal, not to a file");
        // /x/a_b and /x/a/b: one log file name for both under the old scheme
        Path flat = mountPoint("a_b");
        Path nested = mountPoint("a/b");
        for (Path m : List.of(flat, nested)) {
            Result r = serveInBackground(m);
            assertEquals(0, r.exit(), r.describe());
        }
        // an object that goes missing makes each server log an I/O error after its start-up
        try (Stream<Path> s = Files.walk(objects)) {
            for (Path o : s.filter(Files::isRegularFile).toList()) {
                Files.delete(o);
            }
        }
        for (Path m : List.of(flat, nested)) {
            assertNotEquals(0, Command.of(List.of("cat", m.resolve("big").toString())).timeoutSeconds(30).run().exit(), "reading a missing object fails");
        }
        List<Path> logs = awaitLogs(2);
        assertEquals(2, logs.size(), "one log per server: " + logs);
        assertNotEquals(logs.get(0), logs.get(1));
        assertEquals(0700, (Integer) Files.getAttribute(RUNTIME_DIR, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
        assertFalse(Files.isSymbolicLink(RUNTIME_DIR));
        List<String> firstLines = new ArrayList<>();
        for (Path log : logs) {
            assertEquals(RUNTIME_DIR, log.getParent());
            assertEquals(0600, (Integer) Files.getAttribute(log, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777, log.toString());
            assertEquals(0, (Integer) Files.getAttribute(log, "unix:uid", LinkOption.NOFOLLOW_LINKS));
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            assertTrue(lines.size() >= 2 && lines.get(1).contains("object"), "the I/O error is logged: " + lines);
            firstLines.add(lines.get(0));
        }
        assertTrue(firstLines.stream().anyMatch(l -> l.endsWith(" " + flat)) && firstLines.stream().anyMatch(l -> l.endsWith(" " + nested)),
                "each log names its own mount point: " + firstLines);
        assertFalse(Files.exists(oldLogName(flat), LinkOption.NOFOLLOW_LINKS), "nothing in /tmp");
    }

    private Path plantSymlink(Path at, Path target) throws IOException {
        Files.deleteIfExists(at);
        Files.createSymbolicLink(at, target);
        planted.add(at);
        return at;
    }

    /** Logs in the runtime directory whose first line names a mount point under {@code dir}. */
    private static List<Path> logsNaming(Path dir) throws IOException {
        if (dir == null || !Files.isDirectory(RUNTIME_DIR)) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(RUNTIME_DIR)) {
            for (Path f : s.filter(p -> p.getFileName().toString().endsWith(".log")).toList()) {
                try (Stream<String> lines = Files.lines(f)) {
                    if (lines.findFirst().orElse("").contains(" " + dir + "/")) {
                        out.add(f);
                    }
                } catch (IOException gone) {
                    // another server's log, removed meanwhile
                }
            }
        }
        return out;
    }

    private List<Path> awaitLogs(int n) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<Path> logs = logsNaming(work);
        while (logs.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(50);
            logs = logsNaming(work);
        }
        return logs;
    }

    /** Files in /tmp whose name carries the flattened work directory, other than those this test planted. */
    private List<Path> newTmpFilesNaming(Path dir) throws IOException {
        String flat = dir.toString().replaceAll("[^A-Za-z0-9._-]", "_");
        try (Stream<Path> s = Files.list(Path.of("/tmp"))) {
            return s.filter(p -> p.getFileName().toString().contains(flat) && !planted.contains(p)).toList();
        }
    }

    /** Waits until no fuse-serve process serves a mount point under the work directory (found by command line, never signalled). */
    private void awaitServersGone() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            boolean any = false;
            try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
                for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                    try {
                        String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.ISO_8859_1);
                        any |= cmd.contains("fuse-serve\0") && cmd.contains("\0" + work + "/");
                    } catch (IOException gone) {
                        // exited meanwhile
                    }
                }
            }
            if (!any) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("background servers of " + work + " still run after cfsj umount");
    }
}
