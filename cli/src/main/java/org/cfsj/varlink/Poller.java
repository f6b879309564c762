package org.cfsj.varlink;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import org.cfsj.sys.Epoll;
import org.cfsj.sys.SysException;

/**
 * Waits for non-blocking sockets to become ready, so that connection threads can be virtual: a
 * virtual thread blocked in a native {@code recvmsg} would pin its carrier, and with as many idle
 * clients as cores no other virtual thread would run. Here the only thread that blocks in native
 * code is this poller's own platform thread, in {@code epoll_wait}; a connection thread parks
 * (which unmounts a virtual thread) until the poller reports its fd.
 *
 * <p>Each registration is one-shot ({@code EPOLLONESHOT}): an fd is armed by the thread about to
 * wait for it and disarmed by the event that wakes that thread, so one fd has at most one waiter
 * and events never pile up for fds nobody waits on. An fd leaves the epoll set (and the waiter
 * table) in {@link Registration#close()}, which its owner calls before closing the fd, so a
 * reused fd number never inherits a stale waiter.
 */
final class Poller {
    private static Poller shared;

    private final int epfd;
    private final ConcurrentHashMap<Integer, Thread> waiters = new ConcurrentHashMap<>();

    private Poller() throws SysException {
        this.epfd = Epoll.create();
        Thread t = Thread.ofPlatform().daemon().name("varlink-poller").unstarted(this::run);
        t.start();
    }

    /** The process's one poller, started on first use; it lives as long as the JVM. */
    static synchronized Poller shared() {
        if (shared == null) {
            try {
                shared = new Poller();
            } catch (SysException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    private void run() {
        while (true) {
            Epoll.Event[] events;
            try {
                events = Epoll.await(epfd, 64, -1);
            } catch (SysException e) {
                // epoll_wait fails only for a bad epfd or buffer: a bug, and nothing could be waited for any more
                throw new IllegalStateException("varlink poller stopped", e);
            }
            for (Epoll.Event ev : events) {
                Thread t = waiters.remove(ev.fd());
                if (t != null) {
                    LockSupport.unpark(t);
                }
            }
        }
    }

    Registration register(int fd) {
        return new Registration(fd);
    }

    /** One fd's place in the poller; used by one thread at a time. */
    final class Registration implements AutoCloseable {
        private final int fd;
        private boolean added;

        private Registration(int fd) {
            this.fd = fd;
        }

        /** Parks until {@code fd} reports one of {@code events} ({@link Epoll#EPOLLIN}, {@link Epoll#EPOLLOUT}), an error or a hang-up. */
        void await(int events) throws IOException {
            await(events, Long.MAX_VALUE);
        }

        /**
         * As {@link #await(int)}, but gives up at {@code deadline} ({@link System#nanoTime()} scale,
         * {@link Long#MAX_VALUE} for never); false when it did. The fd stays armed then, so a late
         * event only wakes nobody.
         */
        boolean await(int events, long deadline) throws IOException {
            Thread me = Thread.currentThread();
            waiters.put(fd, me);
            try {
                Epoll.control(epfd, added ? Epoll.EPOLL_CTL_MOD : Epoll.EPOLL_CTL_ADD, fd, events | Epoll.EPOLLONESHOT);
            } catch (SysException e) {
                waiters.remove(fd, me);
                throw e;
            }
            added = true;
            while (waiters.get(fd) == me) {
                if (deadline == Long.MAX_VALUE) {
                    LockSupport.park(this);
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return !waiters.remove(fd, me); // a wake-up racing the deadline still counts
                    }
                    LockSupport.parkNanos(this, left);
                }
                if (Thread.interrupted()) {
                    waiters.remove(fd, me);
                    throw new InterruptedIOException("interrupted while waiting for a varlink socket");
                }
            }
            return true;
        }

        @Override
        public void close() {
            waiters.remove(fd);
            if (added) {
                added = false;
                try {
                    Epoll.control(epfd, Epoll.EPOLL_CTL_DEL, fd, 0);
                } catch (SysException ignored) {
                    // already gone from the set: nothing to undo
                }
            }
        }
    }
}
