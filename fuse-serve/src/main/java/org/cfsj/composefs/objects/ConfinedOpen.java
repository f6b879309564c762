package org.cfsj.composefs.objects;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import org.cfsj.sys.Errno;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.SysException;

/**
 * Opens a relative path below an open directory without following a symlink anywhere on the way,
 * so that an object path taken from an image reaches only files inside the object directory: a
 * symlinked {@code xx/} directory (or a symlinked object) planted in the store is refused, not
 * followed out of it.
 *
 * <p>With {@code openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)} where the kernel has it (Linux
 * 5.6+): one call, and the kernel guarantees that the walk neither leaves the directory nor
 * crosses a symlink. Where it answers ENOSYS, one {@code openat(O_NOFOLLOW)} per component, each
 * relative to the fd of the directory opened before it; that gives the same guarantee because no
 * component is ever resolved by name from anything but an fd this walk opened without following.
 *
 * <p>The path must already be checked ({@link Payloads}: relative, no "..", no NUL); the walk
 * refuses ".." again on its own so that it is safe by itself.
 */
final class ConfinedOpen {
    private static final long RESOLVE = FileCalls.RESOLVE_BENEATH | FileCalls.RESOLVE_NO_SYMLINKS;
    private static final int DIRECTORY_FLAGS = FileCalls.O_PATH | FileCalls.O_DIRECTORY | FileCalls.O_NOFOLLOW | FileCalls.O_CLOEXEC;
    /** Set once the kernel said ENOSYS, so that later opens go straight to the walk. */
    private static final AtomicBoolean NO_OPENAT2 = new AtomicBoolean();
    private static final byte[] DOT = {'.'};

    private ConfinedOpen() {}

    /**
     * Opens {@code relative} below {@code dirfd} with {@code flags} (which should include
     * O_NOFOLLOW and O_CLOEXEC); a symlink on the way fails with ELOOP (or ENOTDIR from the walk).
     */
    static int open(int dirfd, byte[] relative, int flags, String what) throws SysException {
        if (!NO_OPENAT2.get()) {
            try {
                return FileCalls.openat2(dirfd, relative, flags, RESOLVE, what);
            } catch (SysException e) {
                if (e.errno() != Errno.ENOSYS) {
                    throw e;
                }
                NO_OPENAT2.set(true);
            }
        }
        return openByWalk(dirfd, relative, flags, what);
    }

    /** The fallback for kernels without openat2: one O_NOFOLLOW open per component. */
    static int openByWalk(int dirfd, byte[] relative, int flags, String what) throws SysException {
        int at = dirfd;
        int start = 0;
        try {
            while (true) {
                int slash = indexOf(relative, (byte) '/', start);
                byte[] component = Arrays.copyOfRange(relative, start, slash < 0 ? relative.length : slash);
                if (isDotDot(component)) {
                    throw new IllegalArgumentException("object path " + what + " has a \"..\" component");
                }
                if (slash < 0) {
                    // a trailing slash names the directory itself, as openat2 would open it
                    return FileCalls.openat(at, component.length == 0 ? DOT : component, flags | FileCalls.O_NOFOLLOW, what);
                }
                start = slash + 1;
                if (component.length == 0 || Arrays.equals(component, DOT)) {
                    continue; // "a//b", "./a": the same directory
                }
                int next = FileCalls.openat(at, component, DIRECTORY_FLAGS, what);
                if (at != dirfd) {
                    FileCalls.close(at);
                }
                at = next;
            }
        } finally {
            if (at != dirfd) {
                FileCalls.close(at);
            }
        }
    }

    private static boolean isDotDot(byte[] name) {
        return name.length == 2 && name[0] == '.' && name[1] == '.';
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
