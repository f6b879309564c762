package org.cfsj.it.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.cfsj.fuse.Mounts;
import org.cfsj.sys.MountCalls;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;

/**
 * One {@code cfsj fuse-serve IMAGE MNT --basedir DIR --stats} process started by a test, in the
 * foreground as a user runs it. {@link #start} returns once the mount is live (the mountpoint's
 * st_dev differs from its parent's); {@link #stop} ends it the way a user would (signal, {@code
 * cfsj umount}, or an external umount) and returns its exit status and its stats line.
 *
 * <p>Nothing may outlive a test: {@link #close()} kills a server that is still running and
 * detaches its mount, and a watchdog does the same when a server outlives its allowed lifetime
 * (a hung server would otherwise block the test thread in a FUSE request forever; killing it
 * aborts the connection and the blocked call returns). Only processes started here are
 * signalled, by their own handle or PID.
 */
final class FuseServer implements AutoCloseable {
    static final String STATS_PREFIX = "cfsj fuse-serve stats:";
    private static final long READY_TIMEOUT_MS = 20_000;
    private static final long EXIT_TIMEOUT_MS = 20_000;
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fuse-server-watchdog");
        t.setDaemon(true);
        return t;
    });
    private static final Set<FuseServer> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(FuseServer::kill), "fuse-server-cleanup"));
    }

    /** How a server is asked to stop. */
    enum Stop { SIGTERM, SIGINT, UMOUNT_COMMAND, EXTERNAL_UMOUNT }

    /** What a finished server left: exit status, stderr, and its parsed stats line (null if none). */
    record Exit(int code, String stderr, Map<String, Long> stats) {
        long stat(String name) {
            if (stats == null) {
                fail("the server printed no '" + STATS_PREFIX + "' line; stderr:\n" + stderr);
            }
            Long v = stats.get(name);
            if (v == null) {
                fail("the server's stats line has no counter '" + name + "': " + stats);
            }
            return v;
        }

        /** How requests travelled ({@code dev} or {@code io_uring}), from the stats line. */
        String transport() {
            var m = java.util.regex.Pattern.compile(STATS_PREFIX + ".* transport=(\\S+)").matcher(stderr);
            String last = null;
            while (m.find()) {
                last = m.group(1);
            }
            if (last == null) {
                fail("the server's stats line names no transport; stderr:\n" + stderr);
            }
            return last;
        }
    }

    private final Process process;
    private final Path mountPoint;
    private final Path stderrFile;
    private final Path tmpDir;
    private volatile boolean killedByWatchdog;

    private FuseServer(Process process, Path mountPoint, Path stderrFile, Path tmpDir) {
        this.process = process;
        this.mountPoint = mountPoint;
        this.stderrFile = stderrFile;
        this.tmpDir = tmpDir;
    }

    /** The command line of a server; {@code work} receives its log files and its private temp directory. */
    private static ProcessBuilder builder(Path image, Path mnt, Path basedir, Path work, List<String> options) throws IOException {
        Files.createDirectories(work);
        Path tmp = Files.createDirectories(work.resolve("tmp"));
        List<String> args = new ArrayList<>(List.of("fuse-serve", image.toString(), mnt.toString(), "--basedir", basedir.toString(), "--stats"));
        args.addAll(options);
        ProcessBuilder pb = new ProcessBuilder(Cfsj.argv(tmp == null ? List.of() : List.of("-Djava.io.tmpdir=" + tmp), args));
        pb.environment().put("TMPDIR", tmp.toString());
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.redirectOutput(work.resolve("stdout").toFile());
        pb.redirectError(work.resolve("stderr").toFile());
        return pb;
    }

    /**
     * Starts a server and waits until its mount is live. {@code maxLifetimeSeconds} bounds how
     * long it may run before the watchdog kills it.
     */
    static FuseServer start(Path image, Path mnt, Path basedir, Path work, long maxLifetimeSeconds, String... options)
            throws IOException, InterruptedException {
        ProcessBuilder pb = builder(image, mnt, basedir, work, List.of(options));
        FuseServer s = new FuseServer(pb.start(), mnt, work.resolve("stderr"), work.resolve("tmp"));
        LIVE.add(s);
        WATCHDOG.schedule(() -> {
            if (s.process.isAlive()) {
                s.killedByWatchdog = true;
                s.kill();
            }
        }, maxLifetimeSeconds, TimeUnit.SECONDS);
        try {
            s.awaitMounted();
            return s;
        } catch (Throwable t) {
            s.close();
            throw t;
        }
    }

    /** Runs a server that is expected not to start; returns how it ended (it is killed after 20 s). */
    static Exit runExpectingFailure(Path image, Path mnt, Path basedir, Path work, String... options)
            throws IOException, InterruptedException {
        ProcessBuilder pb = builder(image, mnt, basedir, work, List.of(options));
        try (FuseServer s = new FuseServer(pb.start(), mnt, work.resolve("stderr"), work.resolve("tmp"))) {
            LIVE.add(s);
            if (!s.process.waitFor(EXIT_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                fail("the server did not exit within " + EXIT_TIMEOUT_MS / 1000 + " s (mounted: " + Mounts.isMountPoint(mnt)
                        + "); stderr so far:\n" + s.stderr());
            }
            return s.exit();
        }
    }

    private void awaitMounted() throws IOException, InterruptedException {
        Object parentDev = Files.getAttribute(mountPoint.toAbsolutePath().getParent(), "unix:dev");
        long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
        var statter = Executors.newVirtualThreadPerTaskExecutor();
        try {
            while (true) {
                if (!process.isAlive()) {
                    fail("cfsj fuse-serve exited with " + process.exitValue() + " before its mount was live; stderr:\n" + stderr());
                }
                // stat(2) of a FUSE mountpoint blocks until the server answers: never wait on it unbounded
                Future<Object> dev = statter.submit(() -> Files.getAttribute(mountPoint, "unix:dev"));
                try {
                    if (!dev.get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS).equals(parentDev)) {
                        return;
                    }
                } catch (TimeoutException e) {
                    kill();
                    fail("stat of the mountpoint did not return within " + READY_TIMEOUT_MS / 1000
                            + " s (server killed); stderr:\n" + stderr());
                } catch (ExecutionException e) {
                    // ENOTCONN while the server is still setting up or dying: look again
                }
                if (System.currentTimeMillis() > deadline) {
                    fail("the mount at " + mountPoint + " was not live within " + READY_TIMEOUT_MS / 1000 + " s; stderr:\n" + stderr());
                }
                Thread.sleep(10);
            }
        } finally {
            statter.shutdownNow();
        }
    }

    long pid() {
        return process.pid();
    }

    Path mountPoint() {
        return mountPoint;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The server's private temp directory (java.io.tmpdir and TMPDIR). */
    Path tmpDir() {
        return tmpDir;
    }

    String stderr() {
        try {
            return Files.readString(stderrFile, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "(cannot read " + stderrFile + ": " + e + ")";
        }
    }

    /** Open file descriptors of the server process. */
    int fdCount() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid()), "fd"))) {
            return (int) s.count();
        }
    }

    /** Threads of the server process. */
    int threadCount() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid()), "task"))) {
            return (int) s.count();
        }
    }

    /** Asks the server to stop the given way and waits for it to exit; does not judge the outcome. */
    Exit stop(Stop how) throws IOException, InterruptedException {
        switch (how) {
            case SIGTERM -> process.destroy();
            case SIGINT -> {
                Result r = Command.of(List.of("kill", "-INT", Long.toString(pid()))).timeoutSeconds(10).run();
                assertEquals(0, r.exit(), "kill -INT " + pid() + ": " + r.describe());
            }
            case UMOUNT_COMMAND -> {
                Result r = Cfsj.command("umount", mountPoint.toString()).timeoutSeconds(30).run();
                if (r.exit() != 0) {
                    fail("cfsj umount " + mountPoint + " failed: " + r.describe() + "\nserver stderr:\n" + stderr());
                }
            }
            case EXTERNAL_UMOUNT -> MountCalls.umount2(mountPoint.toString(), 0);
        }
        if (!process.waitFor(EXIT_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            kill();
            fail("the server did not exit within " + EXIT_TIMEOUT_MS / 1000 + " s of " + how + " (killed); stderr:\n" + stderr());
        }
        LIVE.remove(this);
        return exit();
    }

    /** Stops the server and asserts a clean end: exit 0, a stats line, nothing left mounted. */
    Exit stopCleanly(Stop how) throws IOException, InterruptedException {
        Exit e = stop(how);
        assertEquals(0, e.code(), "cfsj fuse-serve exit status after " + how + "; stderr:\n" + e.stderr());
        e.stat("requests");
        assertFalse(Mounts.isMountPoint(mountPoint), mountPoint + " is still mounted after the server exited (" + how + ")");
        return e;
    }

    private Exit exit() {
        String err = stderr();
        return new Exit(process.exitValue(), err, parseStats(err));
    }

    /** The counters of the last stats line in {@code stderr}, or null if there is none. */
    static Map<String, Long> parseStats(String stderr) {
        Map<String, Long> stats = null;
        for (String line : stderr.split("\n")) {
            if (line.startsWith(STATS_PREFIX)) {
                stats = new LinkedHashMap<>();
                for (String kv : line.substring(STATS_PREFIX.length()).trim().split("\\s+")) {
                    int eq = kv.indexOf('=');
                    if (eq > 0 && kv.substring(eq + 1).matches("\\d+")) {
                        stats.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
                    }
                }
            }
        }
        return stats;
    }

    private void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        FuseEnvironment.forceUnmount(mountPoint);
        LIVE.remove(this);
    }

    boolean killedByWatchdog() {
        return killedByWatchdog;
    }

    /** Last resort: a server still running is terminated (SIGTERM, then SIGKILL) and its mount detached. */
    @Override
    public void close() throws IOException, InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        FuseEnvironment.forceUnmount(mountPoint);
        LIVE.remove(this);
    }
}
