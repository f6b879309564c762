package org.cfsj.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * Opening, closing and reading directories and symlinks by fd-relative calls (Linux, glibc).
 *
 * <p>Why not {@code java.nio.file}: a {@code Path} keeps a file name's raw bytes, but the only way
 * to get a name out of it is {@code toString()}, which decodes with {@code sun.jnu.encoding}
 * and turns every invalid byte into U+FFFD. Symlink targets suffer the same way. A filesystem
 * image must record names byte for byte, so directories are read with {@code getdents64} and
 * links with {@code readlinkat}, all relative to an open directory fd (which also keeps deep
 * trees clear of PATH_MAX). Names are raw bytes; a name given as a string is encoded by
 * {@link PathNames}' rule.
 *
 * <p>Every call takes a {@code what} string: the path to name in the error message.
 */
public final class FileCalls {
    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    /** Acts on the fd itself (an empty name), e.g. statx as fstat. */
    public static final int AT_EMPTY_PATH = 0x1000;

    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_NOCTTY = 0400;
    public static final int O_NONBLOCK = 04000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_PATH = 010000000;
    /** Differs between architectures (see {@link Arch}). */
    public static final int O_DIRECTORY = Arch.current().oDirectory();
    /** Differs between architectures (see {@link Arch}). */
    public static final int O_NOFOLLOW = Arch.current().oNofollow();
    /** Differs between architectures (see {@link Arch}). */
    public static final int O_DIRECT = Arch.current().oDirect();

    /** openat2(2) {@code resolve} flags (include/uapi/linux/openat2.h). */
    public static final long RESOLVE_NO_SYMLINKS = 0x04;
    public static final long RESOLVE_BENEATH = 0x08;

    /** {@code sizeof(struct open_how)}: u64 flags, u64 mode, u64 resolve. */
    static final long OPEN_HOW_SIZE = 24;
    /** {@code offsetof(struct linux_dirent64, d_reclen)} and {@code d_name}. */
    static final long DIRENT64_RECLEN_OFFSET = 16;
    static final long DIRENT64_NAME_OFFSET = 19;

    // openat's mode is variadic in C: three fixed arguments after the call state
    private static final MethodHandle OPENAT = Native.variadicWithErrno(
            "openat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), 3);
    /** glibc 2.36 has no openat2 wrapper: syscall(2), whose arguments after the number are variadic. */
    private static final MethodHandle SYSCALL4 = Native.variadicWithErrno(
            "syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG), 1);
    private static final MethodHandle CLOSE = Native.plain("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle ISATTY = Native.plain("isatty", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle READLINKAT = Native.withErrno(
            "readlinkat", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle FCHMOD =
            Native.withErrno("fchmod", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETDENTS64 =
            Native.withErrno("getdents64", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));

    private FileCalls() {}

    /** {@code open(2)} of a path given as a string; {@code mode} applies with O_CREAT. */
    public static int open(String path, int flags, int mode) throws SysException {
        return openat(AT_FDCWD, PathNames.bytes(path), flags, mode, path);
    }

    /** {@code openat(2)}; returns the new fd. {@code name} is raw bytes (relative or absolute). */
    public static int openat(int dirfd, byte[] name, int flags, String what) throws SysException {
        return openat(dirfd, name, flags, 0, what);
    }

    /** {@code openat(2)} with a mode for O_CREAT; returns the new fd. */
    public static int openat(int dirfd, byte[] name, int flags, int mode, String what) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment path = Native.cString(arena, name);
            return (int) Native.retrying("openat", what, st -> (int) OPENAT.invokeExact(st, dirfd, path, flags, mode));
        }
    }

    /**
     * {@code openat2(2)} with {@code resolve} flags (e.g. {@link #RESOLVE_BENEATH}); returns the
     * new fd. Kernels before 5.6 answer ENOSYS (seen in {@link SysException#errno()}).
     */
    public static int openat2(int dirfd, byte[] name, int flags, long resolve, String what) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment path = Native.cString(arena, name);
            MemorySegment how = arena.allocate(OPEN_HOW_SIZE, 8);
            how.set(JAVA_LONG, 0, Integer.toUnsignedLong(flags));
            how.set(JAVA_LONG, 8, 0L);
            how.set(JAVA_LONG, 16, resolve);
            long sys = Arch.current().sysOpenat2();
            return (int) Native.retrying("openat2", what,
                    st -> (long) SYSCALL4.invokeExact(st, sys, (long) dirfd, path, how, OPEN_HOW_SIZE));
        }
    }

    /** {@code close(2)}; errors are ignored (on Linux the fd is released either way); negative fds are skipped. */
    public static void close(int fd) {
        if (fd < 0) {
            return;
        }
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * {@code isatty(3)}: whether {@code fd} is a terminal. For one fd: {@code System.console()}
     * looks at stdin and stdout together, so it says "no terminal" for {@code x=$(cfsj ...)} even
     * though stderr, where progress goes, is one.
     */
    public static boolean isatty(int fd) {
        try {
            return (int) ISATTY.invokeExact(fd) == 1;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** {@code fchmod(2)}: sets the permission bits of an open file (no path, so no symlink to follow). */
    public static void fchmod(int fd, int mode, String what) throws SysException {
        Native.retrying("fchmod", what, st -> (int) FCHMOD.invokeExact(st, fd, mode));
    }

    /** {@code readlinkat(2)}: the symlink's target as raw bytes, however long. */
    public static byte[] readlinkat(int dirfd, byte[] name, String what) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment path = Native.cString(arena, name);
            for (long size = 4096; ; size *= 2) {
                MemorySegment buf = arena.allocate(size);
                long room = size;
                long n = Native.once("readlinkat", what, st -> (long) READLINKAT.invokeExact(st, dirfd, path, buf, room));
                if (n < size) { // n == size means the target may have been truncated
                    return buf.asSlice(0, n).toArray(JAVA_BYTE);
                }
            }
        }
    }

    /** The names in an open directory ({@code getdents64}), without "." and "..", in disk order. */
    public static List<byte[]> readDirectory(int dirfd, String what) throws SysException {
        List<byte[]> names = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(32 * 1024, 8);
            while (true) {
                long n = Native.retrying("getdents64", what,
                        st -> (long) GETDENTS64.invokeExact(st, dirfd, buf, buf.byteSize()));
                if (n == 0) {
                    return names;
                }
                // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[]
                for (long off = 0; off < n; ) {
                    int reclen = Short.toUnsignedInt(buf.get(JAVA_SHORT, off + DIRENT64_RECLEN_OFFSET));
                    byte[] name = Native.cStringBytes(buf.asSlice(off, reclen), DIRENT64_NAME_OFFSET);
                    if (!isDotOrDotDot(name)) {
                        names.add(name);
                    }
                    off += reclen;
                }
            }
        }
    }

    private static boolean isDotOrDotDot(byte[] name) {
        return (name.length == 1 && name[0] == '.') || (name.length == 2 && name[0] == '.' && name[1] == '.');
    }
}
