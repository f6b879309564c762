package org.cfsj.fuse.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
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
import java.nio.charset.StandardCharsets;

/**
 * The libc calls the FUSE server needs, bound with FFM (Linux, glibc, x86_64 and aarch64).
 *
 * <p>Every call that can fail captures errno in a per-thread call-state segment, read right after
 * the call: reading {@code errno} later would see whatever the JVM did in between. The hot-path
 * calls ({@link #read}, {@link #writev}, {@link #pread}) therefore allocate nothing.
 *
 * <p>Failures throw {@link LibcException} carrying the errno; the callers that expect particular
 * errors (ENODEV when the filesystem is unmounted, ENOENT when a request was interrupted) test
 * {@link LibcException#errno()}.
 */
public final class Libc {
    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_CLOEXEC = 02000000;

    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;

    public static final int MNT_FORCE = 1;
    public static final int MNT_DETACH = 2;
    public static final int UMOUNT_NOFOLLOW = 8;

    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_SEQPACKET = 5;
    public static final int SOCK_CLOEXEC = 02000000;
    public static final int SOL_SOCKET = 1;
    public static final int SCM_RIGHTS = 1;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    private static final MethodHandle OPEN = withErrno("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle CLOSE = plain("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = withErrno("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle WRITEV = withErrno("writev", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle PREAD =
            withErrno("pread", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    // ioctl is variadic: the third argument must be passed as a variadic one
    private static final MethodHandle IOCTL = LINKER.downcallHandle(symbol("ioctl"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2), Linker.Option.captureCallState("errno"));
    private static final MethodHandle MOUNT = withErrno("mount",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle UMOUNT2 = withErrno("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SOCKETPAIR =
            withErrno("socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle RECVMSG = withErrno("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETEUID = plain("geteuid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle POSIX_FADVISE =
            plain("posix_fadvise", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    /** posix_fadvise: the range will be read soon (the kernel starts reading it, without waiting). */
    public static final int POSIX_FADV_WILLNEED = 3;
    private static final MethodHandle GETEGID = plain("getegid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle STRERROR = plain("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle POSIX_SPAWNP = withErrno("posix_spawnp",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle WAITPID = withErrno("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));

    private Libc() {}

    private static MethodHandle withErrno(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd, Linker.Option.captureCallState("errno"));
    }

    private static MethodHandle plain(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd);
    }

    private static MemorySegment symbol(String name) {
        return LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsupportedOperationException("libc has no " + name + "()"));
    }

    private static MemorySegment state() {
        return STATE.get();
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static RuntimeException rethrow(Throwable t) {
        return switch (t) {
            case RuntimeException r -> r;
            case Error e -> throw e;
            default -> new IllegalStateException(t);
        };
    }

    /** A NUL-terminated copy of {@code s} (UTF-8). */
    public static MemorySegment cString(Arena arena, String s) {
        return arena.allocateFrom(s, StandardCharsets.UTF_8);
    }

    public static String strerror(int errno) {
        try {
            MemorySegment p = ((MemorySegment) STRERROR.invokeExact(errno)).reinterpret(1024);
            return p.getString(0, StandardCharsets.UTF_8);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    public static int open(String path, int flags) throws LibcException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = state();
            MemorySegment p = cString(arena, path);
            while (true) {
                int fd = (int) OPEN.invokeExact(st, p, flags, 0);
                if (fd >= 0) {
                    return fd;
                }
                int e = errno(st);
                if (e != Errno.EINTR) {
                    throw new LibcException("open", path, e);
                }
            }
        } catch (LibcException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Closes an fd; errors are ignored (on Linux the fd is released either way). */
    public static void close(int fd) {
        if (fd < 0) {
            return;
        }
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** One {@code read(2)} into {@code buf}; EINTR is retried. */
    public static long read(int fd, MemorySegment buf, long len) throws LibcException {
        try {
            MemorySegment st = state();
            while (true) {
                long n = (long) READ.invokeExact(st, fd, buf, len);
                if (n >= 0) {
                    return n;
                }
                int e = errno(st);
                if (e != Errno.EINTR) {
                    throw new LibcException("read", "fd " + fd, e);
                }
            }
        } catch (LibcException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** One {@code writev(2)} of {@code count} iovecs at {@code iov}; EINTR is retried. */
    public static long writev(int fd, MemorySegment iov, int count) throws LibcException {
        try {
            MemorySegment st = state();
            while (true) {
                long n = (long) WRITEV.invokeExact(st, fd, iov, count);
                if (n >= 0) {
                    return n;
                }
                int e = errno(st);
                if (e != Errno.EINTR) {
                    throw new LibcException("writev", "fd " + fd, e);
                }
            }
        } catch (LibcException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code pread(2)} until {@code len} bytes or end of file; returns the bytes read. */
    public static long pread(int fd, MemorySegment buf, long len, long offset) throws LibcException {
        try {
            MemorySegment st = state();
            long done = 0;
            while (done < len) {
                long n = (long) PREAD.invokeExact(st, fd, buf.asSlice(done), len - done, offset + done);
                if (n == 0) {
                    break;
                }
                if (n < 0) {
                    int e = errno(st);
                    if (e == Errno.EINTR) {
                        continue;
                    }
                    throw new LibcException("pread", "fd " + fd, e);
                }
                done += n;
            }
            return done;
        } catch (LibcException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ioctl(fd, request, arg)}; returns the ioctl's non-negative result. */
    public static int ioctl(int fd, long request, MemorySegment arg, String what) throws LibcException {
        try {
            MemorySegment st = state();
            int r = (int) IOCTL.invokeExact(st, fd, request, arg);
            if (r < 0) {
                throw new LibcException("ioctl", what, errno(st));
            }
            return r;
        } catch (LibcException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void mount(String source, String target, String fstype, long flags, String data) throws LibcException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = state();
            int r = (int) MOUNT.invokeExact(st, cString(arena, source), cString(arena, target), cString(arena, fstype),
                    flags, cString(arena, data));
            if (r != 0) {
                throw new LibcException("mount", target, errno(st));
            }
        } catch (LibcException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void umount2(String target, int flags) throws LibcException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = state();
            int r = (int) UMOUNT2.invokeExact(st, cString(arena, target), flags);
            if (r != 0) {
                throw new LibcException("umount2", target, errno(st));
            }
        } catch (LibcException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code socketpair(2)}: the two ends. */
    public static int[] socketpair(int domain, int type) throws LibcException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = state();
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            int r = (int) SOCKETPAIR.invokeExact(st, domain, type, 0, fds);
            if (r != 0) {
                throw new LibcException("socketpair", "unix socket pair", errno(st));
            }
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        } catch (LibcException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Receives one message carrying a file descriptor ({@code SCM_RIGHTS}), as fusermount3 sends
     * the /dev/fuse fd; returns the fd, or -1 when the peer closed without sending one.
     */
    public static int receiveFd(int socket) throws LibcException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = state();
            MemorySegment data = arena.allocate(8);
            MemorySegment iov = arena.allocate(16, 8);
            iov.set(ADDRESS, 0, data);
            iov.set(JAVA_LONG, 8, 1);
            // struct cmsghdr { size_t len; int level; int type; } followed by one int fd, aligned to 8
            long cmsgSpace = 24;
            MemorySegment control = arena.allocate(cmsgSpace, 8);
            // struct msghdr: name, namelen(+pad), iov, iovlen, control, controllen, flags(+pad)
            MemorySegment msg = arena.allocate(56, 8);
            msg.set(ADDRESS, 16, iov);
            msg.set(JAVA_LONG, 24, 1);
            msg.set(ADDRESS, 32, control);
            msg.set(JAVA_LONG, 40, cmsgSpace);
            while (true) {
                long n = (long) RECVMSG.invokeExact(st, socket, msg, 0);
                if (n < 0) {
                    int e = errno(st);
                    if (e == Errno.EINTR) {
                        continue;
                    }
                    throw new LibcException("recvmsg", "fusermount3 socket", e);
                }
                if (n == 0) {
                    return -1;
                }
                break;
            }
            long controlLen = msg.get(JAVA_LONG, 40);
            if (controlLen < 20 || control.get(JAVA_INT, 8) != SOL_SOCKET || control.get(JAVA_INT, 12) != SCM_RIGHTS) {
                return -1;
            }
            return control.get(JAVA_INT, 16);
        } catch (LibcException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code posix_fadvise(2)}; returns 0 or the error number (it does not set errno). */
    public static int posixFadvise(int fd, long offset, long length, int advice) {
        try {
            return (int) POSIX_FADVISE.invokeExact(fd, offset, length, advice);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int geteuid() {
        try {
            return (int) GETEUID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int getegid() {
        try {
            return (int) GETEGID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Runs a program (searched in PATH) with the given environment additions and waits for it;
     * returns its wait status. Unlike {@link ProcessBuilder}, the child inherits every fd that is
     * not close-on-exec, which is how fusermount3 receives its socket.
     */
    public static int spawnAndWait(String[] argv, String[] env) throws LibcException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = state();
            MemorySegment args = arena.allocate(ADDRESS, argv.length + 1L);
            for (int i = 0; i < argv.length; i++) {
                args.setAtIndex(ADDRESS, i, cString(arena, argv[i]));
            }
            args.setAtIndex(ADDRESS, argv.length, MemorySegment.NULL);
            MemorySegment envp = arena.allocate(ADDRESS, env.length + 1L);
            for (int i = 0; i < env.length; i++) {
                envp.setAtIndex(ADDRESS, i, cString(arena, env[i]));
            }
            envp.setAtIndex(ADDRESS, env.length, MemorySegment.NULL);
            MemorySegment pid = arena.allocate(JAVA_INT);
            int r = (int) POSIX_SPAWNP.invokeExact(st, pid, args.getAtIndex(ADDRESS, 0), MemorySegment.NULL,
                    MemorySegment.NULL, args, envp);
            if (r != 0) {
                throw new LibcException("posix_spawnp", argv[0], r);
            }
            MemorySegment status = arena.allocate(JAVA_INT);
            while (true) {
                int w = (int) WAITPID.invokeExact(st, pid.get(JAVA_INT, 0), status, 0);
                if (w >= 0) {
                    return status.get(JAVA_INT, 0);
                }
                int e = errno(st);
                if (e != Errno.EINTR) {
                    throw new LibcException("waitpid", argv[0], e);
                }
            }
        } catch (LibcException e) {
            throw e;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Writes an iovec {base, len} at index {@code i} of an iovec array. */
    public static void setIovec(MemorySegment iov, int i, MemorySegment base, long len) {
        iov.set(ADDRESS, i * 16L, base);
        iov.set(JAVA_LONG, i * 16L + 8, len);
    }
}
