package org.cfsj.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Creating directory entries with exactly the name, type, mode, owner and times asked for, by
 * fd-relative calls that never follow a final symlink: what the JDK cannot do (a name that is not
 * valid in its path encoding, a device node, a nanosecond mtime on a symlink). The tests that
 * build source trees byte for byte use it; names are raw bytes, like {@link FileCalls}'.
 */
public final class FileCreation {
    private static final MethodHandle MKDIRAT =
            Native.withErrno("mkdirat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SYMLINKAT =
            Native.withErrno("symlinkat", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle LINKAT = Native.withErrno(
            "linkat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MKNODAT =
            Native.withErrno("mknodat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    private static final MethodHandle FCHOWNAT = Native.withErrno(
            "fchownat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle FCHMODAT =
            Native.withErrno("fchmodat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle UTIMENSAT =
            Native.withErrno("utimensat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));

    private FileCreation() {}

    public static void mkdirat(int dirfd, byte[] name, int mode, String what) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment n = Native.cString(arena, name);
            Native.once("mkdirat", what, st -> (int) MKDIRAT.invokeExact(st, dirfd, n, mode));
        }
    }

    /** Creates a new regular file (mode 0600, failing if the name exists) with exactly {@code content}. */
    public static void createFile(int dirfd, byte[] name, byte[] content, String what) throws SysException {
        int fd = FileCalls.openat(dirfd, name,
                FileCalls.O_WRONLY | FileCalls.O_CREAT | FileCalls.O_EXCL | FileCalls.O_CLOEXEC, 0600, what);
        try {
            Io.writeFully(fd, content, what);
        } finally {
            FileCalls.close(fd);
        }
    }

    public static void symlinkat(byte[] target, int dirfd, byte[] name, String what) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = Native.cString(arena, target);
            MemorySegment n = Native.cString(arena, name);
            Native.once("symlinkat", what, st -> (int) SYMLINKAT.invokeExact(st, t, dirfd, n));
        }
    }

    /** A hardlink to {@code oldName} itself (a symlink is linked, not followed). */
    public static void linkat(int oldDirfd, byte[] oldName, int newDirfd, byte[] newName, String what) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment o = Native.cString(arena, oldName);
            MemorySegment n = Native.cString(arena, newName);
            Native.once("linkat", what, st -> (int) LINKAT.invokeExact(st, oldDirfd, o, newDirfd, n, 0));
        }
    }

    /** A device node, FIFO or socket; {@code dev} in glibc's {@code makedev} encoding. */
    public static void mknodat(int dirfd, byte[] name, int mode, long dev, String what) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment n = Native.cString(arena, name);
            Native.once("mknodat", what, st -> (int) MKNODAT.invokeExact(st, dirfd, n, mode, dev));
        }
    }

    /** chown without following a final symlink. */
    public static void lchownat(int dirfd, byte[] name, int uid, int gid, String what) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment n = Native.cString(arena, name);
            Native.once("fchownat", what,
                    st -> (int) FCHOWNAT.invokeExact(st, dirfd, n, uid, gid, FileCalls.AT_SYMLINK_NOFOLLOW));
        }
    }

    /** chmod (symlinks have no mode of their own: never call this on one). */
    public static void chmodat(int dirfd, byte[] name, int mode, String what) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment n = Native.cString(arena, name);
            Native.once("fchmodat", what, st -> (int) FCHMODAT.invokeExact(st, dirfd, n, mode, 0));
        }
    }

    /** Sets atime and mtime (seconds, nanoseconds) without following a final symlink. */
    public static void lutimesat(int dirfd, byte[] name, long sec, int nsec, String what) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment n = Native.cString(arena, name);
            // struct timespec[2]: {tv_sec, tv_nsec} for atime, then for mtime
            MemorySegment times = arena.allocate(JAVA_LONG, 4);
            times.setAtIndex(JAVA_LONG, 0, sec);
            times.setAtIndex(JAVA_LONG, 1, nsec);
            times.setAtIndex(JAVA_LONG, 2, sec);
            times.setAtIndex(JAVA_LONG, 3, nsec);
            Native.once("utimensat", what,
                    st -> (int) UTIMENSAT.invokeExact(st, dirfd, n, times, FileCalls.AT_SYMLINK_NOFOLLOW));
        }
    }
}
