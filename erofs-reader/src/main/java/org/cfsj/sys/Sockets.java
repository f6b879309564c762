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
import java.util.Arrays;

/**
 * Unix stream sockets: pairs, listening and connecting by path, accepting, and data with file
 * descriptors ({@code SCM_RIGHTS}) in both directions, as fusermount3 sends the /dev/fuse fd and
 * a varlink service sends a mount fd. The {@code msghdr}/{@code cmsghdr}/{@code sockaddr_un}
 * layouts are those of 64-bit Linux, the same on x86_64 and aarch64.
 *
 * <p>The non-blocking calls ({@link #accept}, {@link #receive}, {@link #send}) report "would
 * block" as a value, never as an exception: the caller waits for readiness ({@link Epoll}) and
 * tries again. Every fd this class creates or receives is close-on-exec.
 */
public final class Sockets {
    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_SEQPACKET = 5;
    public static final int SOCK_CLOEXEC = 02000000;
    public static final int SOL_SOCKET = 1;
    public static final int SCM_RIGHTS = 1;
    public static final int SOCK_NONBLOCK = 04000;
    public static final int SO_ACCEPTCONN = 30;
    public static final int SO_PEERCRED = 17;
    public static final int SHUT_RDWR = 2;
    public static final int MSG_CTRUNC = 0x8;
    public static final int MSG_NOSIGNAL = 0x4000;
    /** recvmsg flag: received fds are close-on-exec, so no child started later inherits them. */
    public static final int MSG_CMSG_CLOEXEC = 0x40000000;
    public static final int F_GETFL = 3;
    public static final int F_SETFL = 4;
    /** The most fds one message may carry (the kernel's {@code SCM_MAX_FD}). */
    public static final int SCM_MAX_FD = 253;

    // struct msghdr: name, namelen(+pad), iov, iovlen, control, controllen, flags(+pad)
    static final long MSGHDR_SIZE = 56;
    static final long MSG_IOV_OFFSET = 16;
    static final long MSG_IOVLEN_OFFSET = 24;
    static final long MSG_CONTROL_OFFSET = 32;
    static final long MSG_CONTROLLEN_OFFSET = 40;
    static final long MSG_FLAGS_OFFSET = 48;
    // struct sockaddr_un { sa_family_t sun_family; char sun_path[108]; }
    static final long SOCKADDR_UN_SIZE = 110;
    static final long SUN_PATH_OFFSET = 2;
    // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
    static final long UCRED_SIZE = 12;
    static final long UCRED_UID_OFFSET = 4;
    static final long UCRED_GID_OFFSET = 8;
    // struct cmsghdr { size_t len; int level; int type; } followed by the data, aligned to 8
    static final long CMSG_LEVEL_OFFSET = 8;
    static final long CMSG_TYPE_OFFSET = 12;
    static final long CMSG_DATA_OFFSET = 16;

    private static final MethodHandle SOCKETPAIR =
            Native.withErrno("socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle RECVMSG =
            Native.withErrno("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));

    private static final MethodHandle SOCKET =
            Native.withErrno("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND =
            Native.withErrno("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = Native.withErrno("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CONNECT =
            Native.withErrno("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle ACCEPT4 =
            Native.withErrno("accept4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDMSG =
            Native.withErrno("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SHUTDOWN = Native.withErrno("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = Native.withErrno("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle FCNTL_INT =
            Native.variadicWithErrno("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), 2);

    private Sockets() {}

    /** The process at the other end of a unix socket when it connected ({@code SO_PEERCRED}), as the kernel vouches. */
    public record PeerCredentials(int pid, int uid, int gid) {}

    /** What one {@link #receive} read: {@code bytes} (0 at end of stream) and the fds that came with them. */
    public record Received(long bytes, int[] fds) {}

    /**
     * A non-blocking unix stream socket bound to {@code path} and listening with {@code backlog};
     * the path must not exist.
     */
    public static int listen(String path, int backlog) throws SysException {
        int fd = (int) Native.once("socket", path, st -> (int) SOCKET.invokeExact(st, AF_UNIX,
                SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = address(arena, path);
            Native.once("bind", path, st -> (int) BIND.invokeExact(st, fd, addr, (int) SOCKADDR_UN_SIZE));
            Native.once("listen", path, st -> (int) LISTEN.invokeExact(st, fd, backlog));
            return fd;
        } catch (SysException | RuntimeException e) {
            FileCalls.close(fd);
            throw e;
        }
    }

    /** A unix stream socket connected to {@code path}, switched to non-blocking once connected. */
    public static int connect(String path) throws SysException {
        int fd = (int) Native.once("socket", path, st -> (int) SOCKET.invokeExact(st, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = address(arena, path);
            Native.retrying("connect", path, st -> (int) CONNECT.invokeExact(st, fd, addr, (int) SOCKADDR_UN_SIZE));
            setNonBlocking(fd, path);
            return fd;
        } catch (SysException | RuntimeException e) {
            FileCalls.close(fd);
            throw e;
        }
    }

    private static MemorySegment address(Arena arena, String path) {
        byte[] bytes = PathNames.bytes(path);
        if (bytes.length >= SOCKADDR_UN_SIZE - SUN_PATH_OFFSET) {
            throw new IllegalArgumentException("socket path longer than " + (SOCKADDR_UN_SIZE - SUN_PATH_OFFSET - 1)
                    + " bytes: " + path);
        }
        MemorySegment addr = arena.allocate(SOCKADDR_UN_SIZE, 8);
        addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(bytes, 0, addr, JAVA_BYTE, SUN_PATH_OFFSET, bytes.length);
        return addr;
    }

    /** Sets {@code O_NONBLOCK} on {@code fd} (an inherited socket, say). */
    public static void setNonBlocking(int fd, String what) throws SysException {
        int flags = (int) Native.once("fcntl", what, st -> (int) FCNTL_INT.invokeExact(st, fd, F_GETFL, 0));
        Native.once("fcntl", what, st -> (int) FCNTL_INT.invokeExact(st, fd, F_SETFL, flags | FileCalls.O_NONBLOCK));
    }

    /** Whether {@code fd} is a listening socket ({@code SO_ACCEPTCONN}); false for a connected one. */
    public static boolean isListening(int fd) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(JAVA_INT);
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, 4);
            Native.once("getsockopt", "fd " + fd,
                    st -> (int) GETSOCKOPT.invokeExact(st, fd, SOL_SOCKET, SO_ACCEPTCONN, value, len));
            return value.get(JAVA_INT, 0) != 0;
        }
    }

    /** {@code SO_PEERCRED} of a connected unix socket. */
    public static PeerCredentials peerCredentials(int fd) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cred = arena.allocate(UCRED_SIZE, 4);
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, (int) UCRED_SIZE);
            Native.once("getsockopt", "SO_PEERCRED of fd " + fd,
                    st -> (int) GETSOCKOPT.invokeExact(st, fd, SOL_SOCKET, SO_PEERCRED, cred, len));
            return new PeerCredentials(cred.get(JAVA_INT, 0), cred.get(JAVA_INT, UCRED_UID_OFFSET), cred.get(JAVA_INT, UCRED_GID_OFFSET));
        }
    }

    /** {@code accept4} on a non-blocking listener: the new non-blocking connection, or -1 when none is waiting. */
    public static int accept(int listener) throws SysException {
        try {
            return (int) Native.retrying("accept4", "listening socket", st -> (int) ACCEPT4.invokeExact(st, listener,
                    MemorySegment.NULL, MemorySegment.NULL, SOCK_CLOEXEC | SOCK_NONBLOCK));
        } catch (SysException e) {
            if (e.errno() == Errno.EAGAIN) {
                return -1;
            }
            throw e;
        }
    }

    /** {@code shutdown(SHUT_RDWR)}: wakes every waiter on the socket; errors (not connected) are ignored. */
    public static void shutdown(int fd) {
        try {
            int ignored = (int) SHUTDOWN.invokeExact(Native.callState(), fd, SHUT_RDWR);
        } catch (Throwable t) {
            throw Native.rethrow(t);
        }
    }

    /**
     * Reads up to {@code buf.byteSize()} bytes and any fds sent with them from a non-blocking
     * socket; null when nothing is ready. Fds the kernel had to drop (more than {@link #SCM_MAX_FD})
     * fail the call, after closing those that did arrive.
     */
    public static Received receive(int socket, MemorySegment buf) throws SysException {
        return receive(socket, buf, "socket");
    }

    private static Received receive(int socket, MemorySegment buf, String what) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            long controlSize = CMSG_DATA_OFFSET + align8(4L * SCM_MAX_FD);
            MemorySegment iov = arena.allocate(Io.IOVEC_SIZE, 8);
            Io.setIovec(iov, 0, buf, buf.byteSize());
            MemorySegment control = arena.allocate(controlSize, 8);
            MemorySegment msg = arena.allocate(MSGHDR_SIZE, 8);
            msg.set(ADDRESS, MSG_IOV_OFFSET, iov);
            msg.set(JAVA_LONG, MSG_IOVLEN_OFFSET, 1);
            msg.set(ADDRESS, MSG_CONTROL_OFFSET, control);
            msg.set(JAVA_LONG, MSG_CONTROLLEN_OFFSET, controlSize);
            long n;
            try {
                n = Native.retrying("recvmsg", what, st -> (long) RECVMSG.invokeExact(st, socket, msg, MSG_CMSG_CLOEXEC));
            } catch (SysException e) {
                if (e.errno() == Errno.EAGAIN) {
                    return null;
                }
                throw e;
            }
            int[] fds = fdsIn(control, msg.get(JAVA_LONG, MSG_CONTROLLEN_OFFSET));
            if ((msg.get(JAVA_INT, MSG_FLAGS_OFFSET) & MSG_CTRUNC) != 0) {
                for (int fd : fds) {
                    FileCalls.close(fd);
                }
                throw new SysException("recvmsg", what + ": file descriptors were dropped (control data truncated)", Errno.EINVAL);
            }
            return new Received(n, fds);
        }
    }

    /** The fds of every {@code SCM_RIGHTS} message in the first {@code length} bytes of {@code control}. */
    private static int[] fdsIn(MemorySegment control, long length) {
        int[] fds = new int[0];
        long offset = 0;
        while (offset + CMSG_DATA_OFFSET <= length) {
            long cmsgLen = control.get(JAVA_LONG, offset);
            if (cmsgLen < CMSG_DATA_OFFSET || offset + cmsgLen > length) {
                break;
            }
            if (control.get(JAVA_INT, offset + CMSG_LEVEL_OFFSET) == SOL_SOCKET
                    && control.get(JAVA_INT, offset + CMSG_TYPE_OFFSET) == SCM_RIGHTS) {
                int count = (int) ((cmsgLen - CMSG_DATA_OFFSET) / 4);
                int old = fds.length;
                fds = Arrays.copyOf(fds, old + count);
                for (int i = 0; i < count; i++) {
                    fds[old + i] = control.get(JAVA_INT, offset + CMSG_DATA_OFFSET + 4L * i);
                }
            }
            offset += align8(cmsgLen);
        }
        return fds;
    }

    /**
     * Sends bytes from a non-blocking socket, with {@code fds} ({@code SCM_RIGHTS}, at most
     * {@link #SCM_MAX_FD}) attached to the first byte; the number of bytes sent (the fds went with
     * them when it is positive), or -1 when the socket buffer is full. Never raises SIGPIPE.
     */
    public static long send(int socket, MemorySegment data, int[] fds) throws SysException {
        if (fds.length > SCM_MAX_FD) {
            throw new IllegalArgumentException(fds.length + " fds in one message; the kernel takes at most " + SCM_MAX_FD);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment iov = arena.allocate(Io.IOVEC_SIZE, 8);
            Io.setIovec(iov, 0, data, data.byteSize());
            MemorySegment msg = arena.allocate(MSGHDR_SIZE, 8);
            msg.set(ADDRESS, MSG_IOV_OFFSET, iov);
            msg.set(JAVA_LONG, MSG_IOVLEN_OFFSET, 1);
            if (fds.length > 0) {
                long space = CMSG_DATA_OFFSET + align8(4L * fds.length);
                MemorySegment control = arena.allocate(space, 8);
                control.set(JAVA_LONG, 0, CMSG_DATA_OFFSET + 4L * fds.length);
                control.set(JAVA_INT, CMSG_LEVEL_OFFSET, SOL_SOCKET);
                control.set(JAVA_INT, CMSG_TYPE_OFFSET, SCM_RIGHTS);
                for (int i = 0; i < fds.length; i++) {
                    control.set(JAVA_INT, CMSG_DATA_OFFSET + 4L * i, fds[i]);
                }
                msg.set(ADDRESS, MSG_CONTROL_OFFSET, control);
                msg.set(JAVA_LONG, MSG_CONTROLLEN_OFFSET, space);
            }
            try {
                return Native.retrying("sendmsg", "socket", st -> (long) SENDMSG.invokeExact(st, socket, msg, MSG_NOSIGNAL));
            } catch (SysException e) {
                if (e.errno() == Errno.EAGAIN) {
                    return -1;
                }
                throw e;
            }
        }
    }

    private static long align8(long n) {
        return (n + 7) & ~7L;
    }

    /** {@code socketpair(2)}: the two ends. */
    public static int[] socketpair(int domain, int type) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            Native.once("socketpair", "unix socket pair", st -> (int) SOCKETPAIR.invokeExact(st, domain, type, 0, fds));
            return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }
    }

    /**
     * Receives one message carrying a file descriptor ({@code SCM_RIGHTS}); returns the fd, or -1
     * when the peer closed without sending one. {@code what} names the socket in errors.
     */
    public static int receiveFd(int socket, String what) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            Received r = receive(socket, arena.allocate(1), what);
            if (r == null || r.fds().length == 0) {
                return -1;
            }
            for (int i = 1; i < r.fds().length; i++) {
                FileCalls.close(r.fds()[i]); // one was asked for; the rest must not leak
            }
            return r.fds()[0];
        }
    }
}
