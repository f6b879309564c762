package org.cfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.cfsj.fuse.Mounts;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Result;
import org.cfsj.tree.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starting and stopping leaves nothing behind. 100 serve/use/stop cycles on one mountpoint,
 * stopping with SIGTERM, SIGINT and a plain umount(2) from outside in turn, and every tenth time
 * with {@code cfsj umount}:
 * every server exits 0 with its mount gone, and afterwards nothing is mounted below the test
 * directory, no process started here is alive, every server's private temp directory is empty
 * and no JVM perf-data file of theirs is left in /tmp/hsperfdata_*. And {@code --background}
 * returns once the mount is live, leaving a server that {@code cfsj umount} stops.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FuseLifecycleTest {
    static final int CYCLES = 100;

    @TempDir
    Path tmp;

    private Images.Built smallImage() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("inline.txt"), "inline\n");
        byte[] big = new byte[200_000];
        new Random(1).nextBytes(big);
        Files.write(src.resolve("big"), big);
        return Images.mkcomposefs(src, tmp.resolve("image.cfs"), tmp.resolve("objects"));
    }

    @Test
    void hundredCyclesLeaveNothingBehind() throws Exception {
        FuseEnvironment.requireFuse();
        Images.Built b = smallImage();
        byte[] big = Files.readAllBytes(b.source().resolve("big"));
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        List<Long> pids = new ArrayList<>();
        List<Path> tmpDirs = new ArrayList<>();
        FuseServer.Stop[] ways = FuseServer.Stop.values();
        long started = System.nanoTime();
        long[] startNanos = new long[ways.length];
        long[] stopNanos = new long[ways.length];
        int[] counts = new int[ways.length];
        for (int i = 0; i < CYCLES; i++) {
            // cfsj umount costs a JVM start of its own: every tenth cycle; the other ways in turn
            FuseServer.Stop how = i % 10 == 9 ? FuseServer.Stop.UMOUNT_COMMAND
                    : List.of(FuseServer.Stop.SIGTERM, FuseServer.Stop.SIGINT, FuseServer.Stop.EXTERNAL_UMOUNT).get(i % 3);
            counts[how.ordinal()]++;
            long t0 = System.nanoTime();
            try (FuseServer s = FuseServer.start(b.image(), mnt, b.objects(), tmp.resolve("cycles/" + i), 60)) {
                startNanos[how.ordinal()] += System.nanoTime() - t0;
                pids.add(s.pid());
                tmpDirs.add(s.tmpDir());
                assertArrayEquals(big, TreeFiles.read(mnt, Bytes.of("big")), "cycle " + i);
                assertArrayEquals(Bytes.of("inline\n"), TreeFiles.read(mnt, Bytes.of("inline.txt")), "cycle " + i);
                long t1 = System.nanoTime();
                FuseServer.Exit e = s.stopCleanly(how);
                stopNanos[how.ordinal()] += System.nanoTime() - t1;
                assertEquals(0, e.stat("eio"), "cycle " + i + ": " + e.stats());
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        StringBuilder timing = new StringBuilder();
        for (FuseServer.Stop how : ways) {
            int n = Math.max(1, counts[how.ordinal()]);
            timing.append(String.format(" %s: start %.0f ms, stop %.0f ms;", how, startNanos[how.ordinal()] / 1e6 / n,
                    stopNanos[how.ordinal()] / 1e6 / n));
        }

        assertEquals(List.of(), Mounts.under(tmp), "mounts left below " + tmp);
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "server process " + pid + " is still alive");
        }
        List<ProcessHandle> children = ProcessHandle.current().children().filter(ProcessHandle::isAlive).toList();
        assertTrue(children.isEmpty(), "processes started by this test are still running: "
                + children.stream().map(p -> p.pid() + " " + p.info().commandLine().orElse("?")).toList());
        for (Path d : tmpDirs) {
            try (Stream<Path> s = Files.list(d)) {
                assertEquals(List.of(), s.toList(), "temp files left by a server in " + d);
            }
        }
        for (long pid : pids) {
            try (Stream<Path> perf = Files.list(Path.of("/tmp")).filter(p -> p.getFileName().toString().startsWith("hsperfdata_"))) {
                for (Path dir : perf.toList()) {
                    assertFalse(Files.exists(dir.resolve(Long.toString(pid))), "JVM perf data of server " + pid + " left in " + dir);
                }
            }
        }
        System.out.printf("FuseLifecycleTest: %d cycles in %.1f s (%.0f ms each; averages by way of stopping:%s)%n", CYCLES, seconds,
                seconds * 1000 / CYCLES, timing);
    }

    @Test
    void backgroundServerRunsUntilCfsjUmount() throws Exception {
        FuseEnvironment.requireFuse();
        Images.Built b = smallImage();
        Path mnt = Files.createDirectories(tmp.resolve("bg-mnt"));
        try {
            Result r = Cfsj.command("fuse-serve", b.image().toString(), mnt.toString(), "--basedir", b.objects().toString(), "--background").timeoutSeconds(60).run();
            assertEquals(0, r.exit(), "fuse-serve --background: " + r.describe());
            assertTrue(Mounts.isMountPoint(mnt), "--background returned before the mount was live");
            assertEquals("inline\n", Files.readString(mnt.resolve("inline.txt"), StandardCharsets.ISO_8859_1));
            assertArrayEquals(Files.readAllBytes(b.source().resolve("big")), Files.readAllBytes(mnt.resolve("big")));
            List<Long> servers = serversOf(mnt);
            assertFalse(servers.isEmpty(), "no fuse-serve process for " + mnt + " is running");

            Result u = Cfsj.command("umount", mnt.toString()).timeoutSeconds(60).run();
            assertEquals(0, u.exit(), "cfsj umount: " + u.describe());
            assertFalse(Mounts.isMountPoint(mnt), "still mounted after cfsj umount");
            long deadline = System.currentTimeMillis() + 10_000;
            while (!serversOf(mnt).isEmpty() && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(List.of(), serversOf(mnt), "the background server did not exit after cfsj umount");
        } finally {
            // a lazily detached FUSE mount loses its last user at once, and its server then exits
            FuseEnvironment.forceUnmount(mnt);
        }
    }

    /** PIDs of running processes whose command line names this mountpoint (found, never signalled). */
    private static List<Long> serversOf(Path mnt) throws IOException {
        List<Long> out = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.ISO_8859_1);
                    if (cmd.contains("fuse-serve\0") && cmd.contains("\0" + mnt + "\0")) {
                        out.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        }
        return out;
    }
}
