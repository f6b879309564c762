package org.cfsj.repo;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.FileLocks;
import org.cfsj.sys.Processes;
import org.cfsj.sys.Stat;
import org.cfsj.sys.StatCalls;

/**
 * A held lock on the repository ({@code flock} on {@code <repo>/lock}). Everything that adds to
 * the repository (imports, pulls, image builds) holds it shared, so any number of those run at
 * once; {@code gc} holds it exclusive, so it never deletes an object that a running import has
 * just written but not yet referenced. Each lock is its own open file, so threads of one process
 * lock independently, exactly like separate processes.
 *
 * <p>The lock file is mode 0600 and lives in the owner-only repository ({@link RepoAccess}):
 * {@code flock} needs only an open file, even a read-only one, so whoever can open it can hold
 * every pull and gc. A request that cannot be granted at once follows its {@link LockWait}: it
 * names the holder after a second, and gives up after the timeout if there is one.
 */
public final class RepoLock implements AutoCloseable {
    /** Shared: add to the repository. Exclusive: remove from it. */
    public enum Mode { SHARED, EXCLUSIVE }

    static final int LOCK_FILE_MODE = 0600;
    /** Polling interval bounds while a timeout or the notice is pending (flock itself has no timeout). */
    private static final long FIRST_POLL_MS = 5;
    private static final long MAX_POLL_MS = 100;

    private final Mode mode;
    private int fd;

    private RepoLock(Mode mode, int fd) {
        this.mode = mode;
        this.fd = fd;
    }

    static RepoLock acquire(Path lockFile, Mode mode, LockWait wait) throws IOException {
        int fd = openLockFile(lockFile);
        try {
            take(fd, lockFile, mode == Mode.SHARED ? FileLocks.LOCK_SH : FileLocks.LOCK_EX, wait);
        } catch (IOException | RuntimeException e) {
            FileCalls.close(fd);
            throw e;
        }
        return new RepoLock(mode, fd);
    }

    /** Creates the lock file (0600) if it is missing, so that it never gets its mode from whoever locks it first. */
    static void create(Path lockFile) throws IOException {
        FileCalls.close(openLockFile(lockFile));
    }

    /**
     * Opens (creating it 0600) the lock file, never through a symlink. A lock file an older
     * cfsj made 0644 is set to 0600 here, when it is ours.
     */
    private static int openLockFile(Path lockFile) throws IOException {
        int fd = FileCalls.open(lockFile.toString(), FileCalls.O_RDWR | FileCalls.O_CREAT | FileCalls.O_NOFOLLOW | FileCalls.O_CLOEXEC, LOCK_FILE_MODE);
        try {
            Stat st = StatCalls.fstat(fd, lockFile.toString());
            if ((st.mode() & 07777) != LOCK_FILE_MODE && st.uid() == Processes.geteuid()) {
                FileCalls.fchmod(fd, LOCK_FILE_MODE, lockFile.toString());
            }
        } catch (IOException | RuntimeException e) {
            FileCalls.close(fd);
            throw e;
        }
        return fd;
    }

    private static void take(int fd, Path lockFile, int op, LockWait wait) throws IOException {
        String what = "locking " + lockFile;
        if (FileLocks.tryFlock(fd, op, what)) {
            return;
        }
        long start = System.nanoTime();
        long noticeAt = LockWait.NOTICE_AFTER.toNanos();
        long timeout = wait.timeout() == null ? Long.MAX_VALUE : saturatedNanos(wait.timeout());
        boolean told = false;
        long pollMs = FIRST_POLL_MS;
        while (true) {
            long waited = System.nanoTime() - start;
            if (waited >= timeout) {
                throw new RepositoryException("timed out after " + seconds(wait.timeout())
                        + " waiting for the repository lock " + holders(fd, lockFile) + " (" + lockFile + ")");
            }
            if (!told && waited >= noticeAt) {
                wait.notice().accept("waiting for the repository lock " + holders(fd, lockFile));
                told = true;
            }
            if (told && wait.timeout() == null) {
                // Nothing left to time: let the kernel wake us the moment the lock is free.
                FileLocks.flock(fd, op, what);
                return;
            }
            long nextEvent = Math.min(timeout, told ? Long.MAX_VALUE : noticeAt) - waited;
            sleep(Math.max(1, Math.min(pollMs, nextEvent / 1_000_000 + 1)));
            pollMs = Math.min(MAX_POLL_MS, pollMs * 2);
            if (FileLocks.tryFlock(fd, op, what)) {
                return;
            }
        }
    }

    private static String holders(int fd, Path lockFile) {
        try {
            return LockHolders.describe(LockHolders.of(StatCalls.fstat(fd, lockFile.toString())));
        } catch (IOException e) {
            return LockHolders.describe(java.util.List.of());
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** "1 s", "0.5 s": the timeout as the user gave it. */
    static String seconds(Duration d) {
        BigDecimal s = BigDecimal.valueOf(d.getSeconds()).add(BigDecimal.valueOf(d.getNano(), 9));
        return s.stripTrailingZeros().toPlainString() + " s";
    }

    private static void sleep(long ms) throws InterruptedIOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the repository lock");
        }
    }

    public Mode mode() {
        return mode;
    }

    /** Releases the lock (closing the file releases the flock). */
    @Override
    public void close() {
        if (fd >= 0) {
            FileCalls.close(fd);
            fd = -1;
        }
    }
}
