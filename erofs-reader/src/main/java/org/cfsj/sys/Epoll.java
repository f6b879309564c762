package org.cfsj.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code epoll(7)}: readiness of many file descriptors, waited for by one thread. The event's
 * 64-bit data word carries the fd it is about. {@code struct epoll_event} is packed on x86_64
 * only, so its size and the data offset come from {@link Arch}.
 */
public final class Epoll {
    public static final int EPOLLIN = 0x001;
    public static final int EPOLLOUT = 0x004;
    public static final int EPOLLERR = 0x008;
    public static final int EPOLLHUP = 0x010;
    public static final int EPOLLRDHUP = 0x2000;
    public static final int EPOLLONESHOT = 1 << 30;
    public static final int EPOLL_CTL_ADD = 1;
    public static final int EPOLL_CTL_DEL = 2;
    public static final int EPOLL_CTL_MOD = 3;
    public static final int EPOLL_CLOEXEC = 02000000;
    /** {@code sizeof(struct epoll_event)} on this architecture. */
    static final long EPOLL_EVENT_SIZE = Arch.current().epollEventSize();
    /** {@code offsetof(struct epoll_event, data)} on this architecture: the data is the last 8 bytes. */
    static final long EPOLL_DATA_OFFSET = Arch.current().epollEventSize() - 8;

    private static final MethodHandle CREATE = Native.withErrno("epoll_create1", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle CTL =
            Native.withErrno("epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle WAIT =
            Native.withErrno("epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));

    private Epoll() {}

    /** One readiness report: the fd and the {@code EPOLL*} bits that are set. */
    public record Event(int fd, int events) {}

    /** {@code epoll_create1(EPOLL_CLOEXEC)}. */
    public static int create() throws SysException {
        return (int) Native.once("epoll_create1", "epoll instance", st -> (int) CREATE.invokeExact(st, EPOLL_CLOEXEC));
    }

    /** {@code epoll_ctl}: {@code op} for {@code fd} with the given event bits; the data word is the fd. */
    public static void control(int epfd, int op, int fd, int events) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ev = arena.allocate(EPOLL_EVENT_SIZE, 8);
            ev.set(JAVA_INT_UNALIGNED, 0, events);
            ev.set(JAVA_LONG_UNALIGNED, EPOLL_DATA_OFFSET, fd);
            Native.once("epoll_ctl", "fd " + fd, st -> (int) CTL.invokeExact(st, epfd, op, fd, ev));
        }
    }

    /**
     * {@code epoll_wait} for at most {@code max} events, {@code timeoutMillis} (-1: no limit);
     * an interrupted wait returns no events.
     */
    public static Event[] await(int epfd, int max, int timeoutMillis) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment evs = arena.allocate(EPOLL_EVENT_SIZE * max, 8);
            int n;
            try {
                n = (int) Native.once("epoll_wait", "epoll instance",
                        st -> (int) WAIT.invokeExact(st, epfd, evs, max, timeoutMillis));
            } catch (SysException e) {
                if (e.errno() == Errno.EINTR) {
                    return new Event[0];
                }
                throw e;
            }
            Event[] out = new Event[n];
            for (int i = 0; i < n; i++) {
                long base = i * EPOLL_EVENT_SIZE;
                out[i] = new Event((int) evs.get(JAVA_LONG_UNALIGNED, base + EPOLL_DATA_OFFSET), evs.get(JAVA_INT_UNALIGNED, base));
            }
            return out;
        }
    }
}
