package org.cfsj.it.fuse;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The system calls these tests need that neither the JDK nor {@code org.cfsj.posix} offers:
 * mount(2)/umount2(2) for the kernel composefs view and cleanup, and the *at calls that build
 * source trees with names, modes, owners and times as raw values (the JDK cannot create a file
 * whose name is not valid in its path encoding, a device node, or set a nanosecond mtime on a
 * symlink).
 */
final class Libc {
    static final long MS_RDONLY = 1;
    static final int MNT_DETACH = 2;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int O_WRONLY = 1;
    static final int O_CREAT = 0100;
    static final int O_EXCL = 0200;
    static final int O_CLOEXEC = 02000000;
    static final int POSIX_FADV_DONTNEED = 4;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle MOUNT = fn("mount", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle UMOUNT2 = fn("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MKDIRAT = fn("mkdirat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle OPENAT = fn("openat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle WRITE = fn("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle SYMLINKAT = fn("symlinkat", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle LINKAT = fn("linkat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MKNODAT = fn("mknodat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    private static final MethodHandle FCHOWNAT = fn("fchownat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCHMODAT = fn("fchmodat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle UTIMENSAT = fn("utimensat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle POSIX_FADVISE = LINKER.downcallHandle(LINKER.defaultLookup().find("posix_fadvise").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));

    private Libc() {}

    /** A failed system call, with its errno. */
    static final class SysError extends java.io.IOException {
        final int errno;

        SysError(String call, String what, int errno) {
            super(call + " " + what + ": errno " + errno);
            this.errno = errno;
        }
    }

    private static MethodHandle fn(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(), fd, Linker.Option.captureCallState("errno"));
    }

    /** A call that returns -1 and sets errno on failure. */
    @FunctionalInterface
    private interface Call {
        long invoke(Arena arena, MemorySegment state) throws Throwable;
    }

    private static long call(String name, String what, Call c) throws SysError {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            long r = c.invoke(arena, state);
            if (r < 0) {
                throw new SysError(name, what, (int) ERRNO.get(state, 0L));
            }
            return r;
        } catch (SysError e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(name + " " + what, t);
        }
    }

    private static MemorySegment cString(Arena arena, byte[] s) {
        MemorySegment m = arena.allocate(s.length + 1L);
        MemorySegment.copy(s, 0, m, JAVA_BYTE, 0, s.length);
        return m;
    }

    static void mount(String source, String target, String type, long flags, String data) throws SysError {
        call("mount", "-t " + type + " " + source + " " + target + (data == null ? "" : " -o " + data), (a, st) -> {
            MemorySegment options = data == null ? MemorySegment.NULL : a.allocateFrom(data);
            return (int) MOUNT.invokeExact(st, a.allocateFrom(source), a.allocateFrom(target), a.allocateFrom(type), flags, options);
        });
    }

    static void umount2(String target, int flags) throws SysError {
        call("umount2", target, (a, st) -> (int) UMOUNT2.invokeExact(st, a.allocateFrom(target), flags));
    }

    static void mkdirat(int dirfd, byte[] name, int mode, String what) throws SysError {
        call("mkdirat", what, (a, st) -> (int) MKDIRAT.invokeExact(st, dirfd, cString(a, name), mode));
    }

    /** Creates a new regular file with exactly {@code content}. */
    static void createFile(int dirfd, byte[] name, byte[] content, String what) throws SysError {
        int fd = (int) call("openat", what, (a, st) ->
                (int) OPENAT.invokeExact(st, dirfd, cString(a, name), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
        try {
            long done = 0;
            while (done < content.length) {
                long off = done;
                done += call("write", what, (a, st) -> {
                    MemorySegment buf = a.allocate(content.length - off);
                    MemorySegment.copy(content, (int) off, buf, JAVA_BYTE, 0, content.length - (int) off);
                    return (long) WRITE.invokeExact(st, fd, buf, (long) content.length - off);
                });
            }
        } finally {
            org.cfsj.sys.FileCalls.close(fd);
        }
    }

    static void symlinkat(byte[] target, int dirfd, byte[] name, String what) throws SysError {
        call("symlinkat", what, (a, st) -> (int) SYMLINKAT.invokeExact(st, cString(a, target), dirfd, cString(a, name)));
    }

    /** A hardlink to {@code oldName} itself (a symlink is linked, not followed). */
    static void linkat(int oldDirfd, byte[] oldName, int newDirfd, byte[] newName, String what) throws SysError {
        call("linkat", what, (a, st) -> (int) LINKAT.invokeExact(st, oldDirfd, cString(a, oldName), newDirfd, cString(a, newName), 0));
    }

    static void mknodat(int dirfd, byte[] name, int mode, long dev, String what) throws SysError {
        call("mknodat", what, (a, st) -> (int) MKNODAT.invokeExact(st, dirfd, cString(a, name), mode, dev));
    }

    static void lchownat(int dirfd, byte[] name, int uid, int gid, String what) throws SysError {
        call("fchownat", what, (a, st) -> (int) FCHOWNAT.invokeExact(st, dirfd, cString(a, name), uid, gid, AT_SYMLINK_NOFOLLOW));
    }

    /** chmod (symlinks have no mode of their own: never call this on one). */
    static void chmodat(int dirfd, byte[] name, int mode, String what) throws SysError {
        call("fchmodat", what, (a, st) -> (int) FCHMODAT.invokeExact(st, dirfd, cString(a, name), mode, 0));
    }

    /** Sets atime and mtime (seconds, nanoseconds) without following a final symlink. */
    static void lutimesat(int dirfd, byte[] name, long sec, int nsec, String what) throws SysError {
        call("utimensat", what, (a, st) -> {
            MemorySegment times = a.allocate(JAVA_LONG, 4);
            times.setAtIndex(JAVA_LONG, 0, sec);
            times.setAtIndex(JAVA_LONG, 1, nsec);
            times.setAtIndex(JAVA_LONG, 2, sec);
            times.setAtIndex(JAVA_LONG, 3, nsec);
            return (int) UTIMENSAT.invokeExact(st, dirfd, cString(a, name), times, AT_SYMLINK_NOFOLLOW);
        });
    }

    /** Drops the page cache of an open file, so that its next read reaches the filesystem again. */
    static void dropCache(int fd) {
        try {
            int ignored = (int) POSIX_FADVISE.invokeExact(fd, 0L, 0L, POSIX_FADV_DONTNEED);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
