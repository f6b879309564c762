package org.cfsj.repo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository lock against a real second process: util-linux {@code flock(1)} holding
 * {@code <repo>/lock} exclusively, as any process (another cfsj, or one that merely opened the
 * file) would.
 */
class RepoLockTest {
    @TempDir
    Path tmp;

    private Repository repo;
    private Process holder;

    @BeforeEach
    void init() throws IOException {
        repo = Repository.init(tmp.resolve("r"));
    }

    @AfterEach
    void stopHolder() throws InterruptedException {
        if (holder != null) {
            holder.destroyForcibly();
            holder.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Starts {@code flock -x LOCK cat}: holds the lock until its stdin closes; returns once it holds it. */
    private void holdLock() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/flock")), "util-linux flock(1) is not installed");
        Path lock = repo.root().resolve("lock");
        holder = new ProcessBuilder("flock", "-x", lock.toString(), "sh", "-c", "echo held; exec cat")
                .redirectErrorStream(true).start();
        byte[] line = holder.getInputStream().readNBytes(5);
        assertEquals("held\n", new String(line), "flock(1) did not take the lock");
    }

    private void releaseLock() throws IOException, InterruptedException {
        holder.getOutputStream().close();
        assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
    }

    @Test
    void theLockFileIsTheOwnersAlone() throws IOException {
        try (RepoLock l = repo.lock(RepoLock.Mode.SHARED)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(repo.root().resolve("lock"))));
        }
        // A lock file an older cfsj made 0644 is made 0600 when it is next used.
        Files.setPosixFilePermissions(repo.root().resolve("lock"), PosixFilePermissions.fromString("rw-r--r--"));
        try (RepoLock l = repo.lock(RepoLock.Mode.EXCLUSIVE)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(repo.root().resolve("lock"))));
        }
    }

    @Test
    void aTimeoutGivesUpNamingTheHolderAfterOneNotice() throws Exception {
        holdLock();
        List<String> notices = new CopyOnWriteArrayList<>();
        repo.setLockWait(new LockWait(Duration.ofMillis(1500), notices::add));
        var e = assertThrows(RepositoryException.class, () -> repo.lock(RepoLock.Mode.SHARED));
        String pid = Long.toString(holder.pid());
        assertTrue(e.getMessage().startsWith("timed out after 1.5 s waiting for the repository lock held by PID " + pid),
                e.getMessage());
        assertEquals(List.of("waiting for the repository lock held by PID " + pid), notices);
        // a zero timeout does not wait at all, and still names the holder
        repo.setLockWait(new LockWait(Duration.ZERO, notices::add));
        var now = assertThrows(RepositoryException.class, () -> repo.lock(RepoLock.Mode.EXCLUSIVE));
        assertTrue(now.getMessage().contains("held by PID " + pid), now.getMessage());
    }

    @Test
    void withoutTimeoutItWaitsSaysSoOnceAndGetsTheLockWhenReleased() throws Exception {
        holdLock();
        CompletableFuture<String> firstNotice = new CompletableFuture<>();
        List<String> notices = new CopyOnWriteArrayList<>();
        repo.setLockWait(new LockWait(null, m -> {
            notices.add(m);
            firstNotice.complete(m);
        }));
        // Three waiters at once, as a pull's layer imports wait: one notice for the repository.
        List<CompletableFuture<RepoLock.Mode>> waiters = List.of(waiter(RepoLock.Mode.SHARED),
                waiter(RepoLock.Mode.SHARED), waiter(RepoLock.Mode.EXCLUSIVE));
        assertEquals("waiting for the repository lock held by PID " + holder.pid(), firstNotice.get(60, TimeUnit.SECONDS));
        for (CompletableFuture<RepoLock.Mode> w : waiters) {
            assertTrue(!w.isDone(), "a waiter got the lock while flock(1) held it");
        }
        releaseLock();
        for (CompletableFuture<RepoLock.Mode> w : waiters) {
            w.get(60, TimeUnit.SECONDS);
        }
        assertEquals(1, notices.size(), notices.toString());
    }

    private CompletableFuture<RepoLock.Mode> waiter(RepoLock.Mode mode) {
        CompletableFuture<RepoLock.Mode> f = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (RepoLock l = repo.lock(mode)) {
                f.complete(l.mode());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    @Test
    void procLocksLinesAreMatchedByDeviceAndInode() {
        String procLocks = """
                1: FLOCK  ADVISORY  WRITE 4242 fe:00:2155459 0 EOF
                1: -> FLOCK  ADVISORY  WRITE 5151 fe:00:2155459 0 EOF
                2: FLOCK  ADVISORY  READ  77 fe:00:2155459 0 EOF
                3: POSIX  ADVISORY  WRITE 99 fe:00:2155459 0 EOF
                4: FLOCK  ADVISORY  WRITE 88 fe:01:2155459 0 EOF
                5: FLOCK  ADVISORY  WRITE -1 fe:00:2155459 0 EOF
                """;
        List<Long> pids = LockHolders.parse(procLocks, 0xfe, 0, 2155459);
        assertEquals(List.of(77L, 4242L), pids);
        assertEquals("held by PID 77, 4242", LockHolders.describe(pids));
        assertEquals("held by another process", LockHolders.describe(List.of()));
    }
}
