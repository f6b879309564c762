package org.cfsj.repo;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A held lock on the repository ({@code flock} on {@code <repo>/lock}). Everything that adds to
 * the repository (imports, pulls, image builds) holds it shared, so any number of those run at
 * once; {@code gc} holds it exclusive, so it never deletes an object that a running import has
 * just written but not yet referenced. Each lock is its own open file, so threads of one process
 * lock independently, exactly like separate processes.
 */
public final class RepoLock implements AutoCloseable {
    /** Shared: add to the repository. Exclusive: remove from it. */
    public enum Mode { SHARED, EXCLUSIVE }

    private final Mode mode;
    private int fd;

    private RepoLock(Mode mode, int fd) {
        this.mode = mode;
        this.fd = fd;
    }

    static RepoLock acquire(Path lockFile, Mode mode) throws IOException {
        int fd = LinuxCalls.open(lockFile, LinuxCalls.O_RDWR | LinuxCalls.O_CREAT, 0644);
        try {
            LinuxCalls.flock(fd, mode == Mode.SHARED ? LinuxCalls.LOCK_SH : LinuxCalls.LOCK_EX,
                    "locking " + lockFile);
        } catch (IOException e) {
            LinuxCalls.close(fd);
            throw e;
        }
        return new RepoLock(mode, fd);
    }

    public Mode mode() {
        return mode;
    }

    /** Releases the lock (closing the file releases the flock). */
    @Override
    public void close() {
        if (fd >= 0) {
            LinuxCalls.close(fd);
            fd = -1;
        }
    }
}
