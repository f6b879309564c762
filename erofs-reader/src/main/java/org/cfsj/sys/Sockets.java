package org.cfsj.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Unix socket pairs and receiving a file descriptor over one ({@code SCM_RIGHTS}), as
 * fusermount3 sends the /dev/fuse fd. The {@code msghdr}/{@code cmsghdr} layouts are those of
 * 64-bit Linux, the same on x86_64 and aarch64.
 */
public final class Sockets {
    public static final int AF_UNIX = 1;
    public static final int SOCK_STREAM = 1;
    public static final int SOCK_SEQPACKET = 5;
    public static final int SOCK_CLOEXEC = 02000000;
    public static final int SOL_SOCKET = 1;
    public static final int SCM_RIGHTS = 1;

    // struct msghdr: name, namelen(+pad), iov, iovlen, control, controllen, flags(+pad)
    static final long MSGHDR_SIZE = 56;
    static final long MSG_IOV_OFFSET = 16;
    static final long MSG_IOVLEN_OFFSET = 24;
    static final long MSG_CONTROL_OFFSET = 32;
    static final long MSG_CONTROLLEN_OFFSET = 40;
    // struct cmsghdr { size_t len; int level; int type; } followed by the data, aligned to 8
    static final long CMSG_LEVEL_OFFSET = 8;
    static final long CMSG_TYPE_OFFSET = 12;
    static final long CMSG_DATA_OFFSET = 16;
    /** {@code CMSG_SPACE(sizeof(int))}. */
    static final long CMSG_SPACE_ONE_FD = 24;
    /** {@code CMSG_LEN(sizeof(int))}. */
    static final long CMSG_LEN_ONE_FD = 20;

    private static final MethodHandle SOCKETPAIR =
            Native.withErrno("socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle RECVMSG =
            Native.withErrno("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));

    private Sockets() {}

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
            MemorySegment data = arena.allocate(8);
            MemorySegment iov = arena.allocate(Io.IOVEC_SIZE, 8);
            Io.setIovec(iov, 0, data, 1);
            MemorySegment control = arena.allocate(CMSG_SPACE_ONE_FD, 8);
            MemorySegment msg = arena.allocate(MSGHDR_SIZE, 8);
            msg.set(ADDRESS, MSG_IOV_OFFSET, iov);
            msg.set(JAVA_LONG, MSG_IOVLEN_OFFSET, 1);
            msg.set(ADDRESS, MSG_CONTROL_OFFSET, control);
            msg.set(JAVA_LONG, MSG_CONTROLLEN_OFFSET, CMSG_SPACE_ONE_FD);
            long n = Native.retrying("recvmsg", what, st -> (long) RECVMSG.invokeExact(st, socket, msg, 0));
            if (n == 0) {
                return -1;
            }
            long controlLen = msg.get(JAVA_LONG, MSG_CONTROLLEN_OFFSET);
            if (controlLen < CMSG_LEN_ONE_FD || control.get(JAVA_INT, CMSG_LEVEL_OFFSET) != SOL_SOCKET
                    || control.get(JAVA_INT, CMSG_TYPE_OFFSET) != SCM_RIGHTS) {
                return -1;
            }
            return control.get(JAVA_INT, CMSG_DATA_OFFSET);
        }
    }
}
