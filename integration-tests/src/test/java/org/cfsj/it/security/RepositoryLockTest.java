package org.cfsj.it.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository lock as users meet it (issue 11, item 3): a second process holds
 * {@code <repo>/lock} (util-linux {@code flock(1)}, the way any process that can open the file
 * could), and the packaged cfsj says once who holds it, waits for it, or gives up cleanly with
 * {@code --lock-timeout}.
 */
class RepositoryLockTest {
    private static final String WAITING = "cfsj: waiting for the repository lock held by PID ";

    @TempDir
    Path tmp;

    private Path repo;
    private Process holder;

    @BeforeEach
    void init() throws Exception {
        Assumptions.assumeTrue(Command.onPath("flock"), "util-linux flock(1) is not installed");
        repo = tmp.resolve("repo");
        Result init = RepositoryPermissionsTest.cfsjAsRoot("--repo", repo.toString(), "init");
        assertEquals(0, init.exit(), init.describe());
    }

    @AfterEach
    void release() throws InterruptedException {
        if (holder != null) {
            holder.destroyForcibly();
            holder.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** {@code flock -x LOCK sh -c 'echo held; exec cat'}: holds the lock until its stdin closes. */
    private long holdLock() throws IOException {
        holder = new ProcessBuilder("flock", "-x", repo.resolve("lock").toString(), "sh", "-c", "echo held; exec cat")
                .redirectErrorStream(true).start();
        assertEquals("held\n", new String(holder.getInputStream().readNBytes(5), StandardCharsets.UTF_8));
        return holder.pid();
    }

    @Test
    void theLockFileIsOwnerOnly() throws Exception {
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(repo.resolve("lock"))),
                "made by init");
        Files.delete(repo.resolve("lock"));
        Result gc = RepositoryPermissionsTest.cfsjAsRoot("--repo", repo.toString(), "gc");
        assertEquals(0, gc.exit(), gc.describe());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(repo.resolve("lock"))),
                "made by the first command that locks");
    }

    @Test
    void aLockTimeoutFailsWithOneLineNamingTheHolder() throws Exception {
        long pid = holdLock();
        Result gc = RepositoryPermissionsTest.cfsjAsRoot("--repo", repo.toString(),
                "--lock-timeout", "1", "gc");
        assertEquals(1, gc.exit(), gc.describe());
        assertEquals(List.of("cfsj gc: timed out after 1 s waiting for the repository lock held by PID " + pid + " ("
                + repo.resolve("lock") + ")"), gc.err().lines().toList(), gc.describe());
        assertEquals("", gc.out(), gc.describe());
    }

    @Test
    void aWaitingCommandSaysOnceWhoHoldsTheLockAndFinishesWhenItIsReleased() throws Exception {
        long pid = holdLock();
        List<String> cmd = Cfsj.command("--repo", repo.toString(), "gc")
                .wrappedIn(List.of("sh", "-c", "umask 022 && exec \"$@\"", "sh")).argv();
        Process gc = new ProcessBuilder(cmd).redirectOutput(tmp.resolve("gc.out").toFile()).start();
        try {
            InputStream err = gc.getErrorStream();
            // (a guard against hanging, not a timing check: the notice is due after one second)
            CompletableFuture<String> firstLine = CompletableFuture.supplyAsync(() -> readLine(err),
                    r -> Thread.ofPlatform().daemon().start(r));
            String first;
            try {
                first = firstLine.get(120, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("no notice from a gc waiting for the lock held by PID " + pid);
            }
            assertEquals(WAITING + pid, first);
            assertTrue(gc.isAlive(), "gc went on while the lock was held");
            // let it wait on: a repeated notice would show up in what follows
            Thread.sleep(2000);
            holder.getOutputStream().close();
            assertTrue(gc.waitFor(120, TimeUnit.SECONDS), "gc still waits after the lock was released");
            String rest = new String(err.readAllBytes(), StandardCharsets.UTF_8);
            assertEquals("", rest, "nothing after the one notice");
            assertEquals(0, gc.exitValue());
            assertTrue(Files.readString(tmp.resolve("gc.out")).startsWith("removed 0 objects"));
        } finally {
            gc.destroyForcibly();
            gc.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static String readLine(InputStream in) {
        StringBuilder sb = new StringBuilder();
        try {
            for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
                sb.append((char) c);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return sb.toString();
    }
}
