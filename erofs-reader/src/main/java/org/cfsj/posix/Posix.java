package org.cfsj.posix;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The few fd-relative file calls the directory scanner needs, bound with FFM (Linux, glibc,
 * x86_64 and aarch64).
 *
 * <p>Why not {@code java.nio.file}: a {@code Path} keeps a file name's raw bytes, but the only way
 * to get a name out of it is {@code toString()}, which decodes with {@code sun.jnu.encoding}
 * (UTF-8 here) and turns every invalid byte into U+FFFD. Symlink targets suffer the same way.
 * A filesystem image must record names byte for byte, so directories are read with
 * {@code getdents64}, inodes with {@code statx} and links with {@code readlinkat}, all relative
 * to an open directory fd (which also keeps deep trees clear of PATH_MAX).
 *
 * <p>Every call takes a {@code what} string: the path to name in the error message.
 */
public final class Posix {
    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    /** statx on the fd itself (an empty name): fstat. */
    public static final int AT_EMPTY_PATH = 0x1000;

    public static final int O_RDONLY = 0;
    public static final int O_NOCTTY = 0400;
    public static final int O_NONBLOCK = 04000;
    public static final int O_CLOEXEC = 02000000;
    public static final int O_PATH = 010000000;
    /** Differs between architectures: x86_64 uses the classic values, arm64 the asm-generic ones. */
    public static final int O_DIRECTORY;

    public static final int O_NOFOLLOW;

    static {
        String arch = System.getProperty("os.arch");
        switch (arch) {
            case "amd64", "x86_64" -> {
                O_DIRECTORY = 0200000;
                O_NOFOLLOW = 0400000;
            }
            case "aarch64" -> {
                O_DIRECTORY = 040000;
                O_NOFOLLOW = 0100000;
            }
            default -> throw new UnsupportedOperationException("cfsj's libc bindings support x86_64 and aarch64, not " + arch);
        }
    }

    /** openat2(2) {@code resolve} flags (include/uapi/linux/openat2.h). */
    public static final long RESOLVE_NO_SYMLINKS = 0x04;
    public static final long RESOLVE_BENEATH = 0x08;

    /** The syscall number of openat2: the same on x86_64 and in the generic table arm64 uses. */
    private static final long SYS_OPENAT2 = 437;
    /** struct open_how: u64 flags, u64 mode, u64 resolve. */
    private static final long OPEN_HOW_SIZE = 24;

    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final long STATX_SIZE = 256;

    private static final MethodHandle OPENAT = Native.withErrno(
            "openat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    /** glibc 2.36 has no openat2 wrapper: syscall(2), whose arguments after the number are variadic. */
    private static final MethodHandle SYSCALL4 = Native.variadicWithErrno(
            "syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG), 1);
    private static final MethodHandle CLOSE = Native.plain("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle ISATTY = Native.plain("isatty", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle GETEUID = Native.plain("geteuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle STATX = Native.withErrno(
            "statx", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle READLINKAT = Native.withErrno(
            "readlinkat", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    private static final MethodHandle READ =
            Native.withErrno("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle FCHMOD =
            Native.withErrno("fchmod", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETDENTS64 =
            Native.withErrno("getdents64", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));

    private Posix() {}

    /** How the JDK encodes file names for the kernel ({@code sun.jnu.encoding}; UTF-8 if unknown). */
    private static final Charset NAME_CHARSET = nameCharset();

    private static Charset nameCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name == null ? StandardCharsets.UTF_8 : Charset.forName(name);
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /**
     * The bytes of a path that came from a Java string (a command-line argument, a {@link Path}):
     * encoded back the way the JDK decoded them, which gives the original bytes again.
     */
    public static byte[] nameBytes(String path) {
        return path.getBytes(NAME_CHARSET);
    }

    /** {@link #nameBytes(String)} of {@code path.toString()}. */
    public static byte[] nameBytes(Path path) {
        return nameBytes(path.toString());
    }

    /** {@code openat(2)}; returns the new fd. {@code name} is raw bytes (relative or absolute). */
    public static int openat(int dirfd, byte[] name, int flags, String what) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            MemorySegment path = Native.cString(arena, name);
            while (true) {
                int fd = (int) OPENAT.invokeExact(state, dirfd, path, flags, 0);
                if (fd >= 0) {
                    return fd;
                }
                int errno = Native.errno(state);
                if (errno != ErrnoException.EINTR) {
                    throw new ErrnoException("openat", what, errno);
                }
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * {@code openat2(2)} with {@code resolve} flags (e.g. {@link #RESOLVE_BENEATH}); returns the
     * new fd. Kernels before 5.6 answer ENOSYS (seen in {@link ErrnoException#errno()}).
     */
    public static int openat2(int dirfd, byte[] name, int flags, long resolve, String what) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            MemorySegment path = Native.cString(arena, name);
            MemorySegment how = arena.allocate(OPEN_HOW_SIZE, 8);
            how.set(JAVA_LONG, 0, Integer.toUnsignedLong(flags));
            how.set(JAVA_LONG, 8, 0L);
            how.set(JAVA_LONG, 16, resolve);
            while (true) {
                long fd = (long) SYSCALL4.invokeExact(state, SYS_OPENAT2, (long) dirfd, path, how, OPEN_HOW_SIZE);
                if (fd >= 0) {
                    return (int) fd;
                }
                int errno = Native.errno(state);
                if (errno != ErrnoException.EINTR) {
                    throw new ErrnoException("openat2", what, errno);
                }
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** {@code close(2)}; errors are ignored (the fd is gone either way on Linux). */
    public static void close(int fd) {
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

    /** {@code geteuid(2)}: the user whose files and directories this process may trust as its own. */
    public static int geteuid() {
        try {
            return (int) GETEUID.invokeExact();
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** {@code statx(2)} with {@code flags} (e.g. AT_SYMLINK_NOFOLLOW for lstat semantics). */
    public static Stat statx(int dirfd, byte[] name, int flags, String what) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            MemorySegment buf = arena.allocate(STATX_SIZE, 8);
            int r = (int) STATX.invokeExact(state, dirfd, Native.cString(arena, name), flags, STATX_BASIC_STATS, buf);
            if (r != 0) {
                throw new ErrnoException("statx", what, Native.errno(state));
            }
            // struct statx (include/uapi/linux/stat.h): the same layout on every architecture.
            return new Stat(
                    Short.toUnsignedInt(buf.get(JAVA_SHORT, 28)),
                    buf.get(JAVA_INT, 20),
                    buf.get(JAVA_INT, 24),
                    Integer.toUnsignedLong(buf.get(JAVA_INT, 16)),
                    buf.get(JAVA_LONG, 32),
                    buf.get(JAVA_INT, 136),
                    buf.get(JAVA_INT, 140),
                    buf.get(JAVA_INT, 128),
                    buf.get(JAVA_INT, 132),
                    buf.get(JAVA_LONG, 40),
                    buf.get(JAVA_LONG, 112),
                    buf.get(JAVA_INT, 120),
                    buf.get(JAVA_LONG, 96),
                    buf.get(JAVA_INT, 104));
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** {@code readlinkat(2)}: the symlink's target as raw bytes, however long. */
    public static byte[] readlinkat(int dirfd, byte[] name, String what) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            MemorySegment path = Native.cString(arena, name);
            for (long size = 4096; ; size *= 2) {
                MemorySegment buf = arena.allocate(size);
                long n = (long) READLINKAT.invokeExact(state, dirfd, path, buf, size);
                if (n < 0) {
                    throw new ErrnoException("readlinkat", what, Native.errno(state));
                }
                if (n < size) { // n == size means the target may have been truncated
                    return buf.asSlice(0, n).toArray(JAVA_BYTE);
                }
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** Reads exactly {@code length} bytes from the current position of {@code fd}. */
    public static byte[] readFully(int fd, int length, String what) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            MemorySegment buf = arena.allocate(Math.max(1, length));
            long done = 0;
            while (done < length) {
                long n = (long) READ.invokeExact(state, fd, buf.asSlice(done), (long) length - done);
                if (n < 0) {
                    int errno = Native.errno(state);
                    if (errno == ErrnoException.EINTR) {
                        continue;
                    }
                    throw new ErrnoException("read", what, errno);
                }
                if (n == 0) {
                    throw new EOFException(what + ": file shrank while being read (" + done + " of " + length + " bytes)");
                }
                done += n;
            }
            return buf.asSlice(0, length).toArray(JAVA_BYTE);
        } catch (IOException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** The names in an open directory ({@code getdents64}), without "." and "..", in disk order. */
    public static List<byte[]> readDirectory(int dirfd, String what) throws ErrnoException {
        List<byte[]> names = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            long bufSize = 32 * 1024;
            MemorySegment buf = arena.allocate(bufSize, 8);
            while (true) {
                long n = (long) GETDENTS64.invokeExact(state, dirfd, buf, bufSize);
                if (n < 0) {
                    int errno = Native.errno(state);
                    if (errno == ErrnoException.EINTR) {
                        continue;
                    }
                    throw new ErrnoException("getdents64", what, errno);
                }
                if (n == 0) {
                    return names;
                }
                // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[]
                for (long off = 0; off < n; ) {
                    int reclen = Short.toUnsignedInt(buf.get(JAVA_SHORT, off + 16));
                    byte[] name = Native.cStringBytes(buf.asSlice(off, reclen), 19);
                    if (!isDotOrDotDot(name)) {
                        names.add(name);
                    }
                    off += reclen;
                }
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /** {@code fstat(2)}: {@link #statx} of the open file itself. */
    public static Stat fstat(int fd, String what) throws ErrnoException {
        return statx(fd, new byte[0], AT_EMPTY_PATH, what);
    }

    /** {@code fchmod(2)}: sets the permission bits of an open file (no path, so no symlink to follow). */
    public static void fchmod(int fd, int mode, String what) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = Native.callState(arena);
            while (true) {
                int r = (int) FCHMOD.invokeExact(state, fd, mode);
                if (r == 0) {
                    return;
                }
                int errno = Native.errno(state);
                if (errno != ErrnoException.EINTR) {
                    throw new ErrnoException("fchmod", what, errno);
                }
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    private static boolean isDotOrDotDot(byte[] name) {
        return (name.length == 1 && name[0] == '.') || (name.length == 2 && name[0] == '.' && name[1] == '.');
    }
}
