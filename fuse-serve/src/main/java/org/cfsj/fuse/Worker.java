package org.cfsj.fuse;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Function;
import org.cfsj.fuse.kernel.OutHeader;
import org.cfsj.sys.Errno;
import org.cfsj.sys.Io;
import org.cfsj.sys.SysException;

/**
 * One worker thread: reads requests from its own /dev/fuse fd into its own off-heap buffer and
 * answers each on that same fd before reading the next. Nothing is allocated per request for
 * the buffers; they live as long as the thread.
 */
final class Worker implements Runnable {
    /** Requests carry at most MAX_READ bytes of payload (writes are refused, but the kernel sizes by max_write). */
    static final int IN_BUFFER_SIZE = SessionOptions.MAX_READ + 4096;
    static final int OUT_BUFFER_SIZE = OutHeader.SIZE + SessionOptions.MAX_READ;

    private final Session session;
    private final int fd;
    private final Function<Reply, Dispatcher> dispatchers;

    Worker(Session session, int fd, Function<Reply, Dispatcher> dispatchers) {
        this.session = session;
        this.fd = fd;
        this.dispatchers = dispatchers;
    }

    @Override
    public void run() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(IN_BUFFER_SIZE, 4096);
            DeviceReply reply = new DeviceReply(fd, arena.allocate(OUT_BUFFER_SIZE, 4096), arena.allocate(32, 8));
            Dispatcher dispatcher = dispatchers.apply(reply);
            while (!session.stopping()) {
                long n;
                try {
                    n = Io.read(fd, in, IN_BUFFER_SIZE);
                } catch (SysException e) {
                    switch (e.errno()) {
                        case Errno.ENODEV -> {
                            session.deviceGone(); // unmounted, by us or by someone else
                            return;
                        }
                        case Errno.ENOENT, Errno.EAGAIN -> {
                            continue; // the request went away before we read it
                        }
                        default -> {
                            Log.info("reading /dev/fuse failed: " + e.getMessage() + "; worker stops");
                            session.deviceGone();
                            return;
                        }
                    }
                }
                if (n == 0) {
                    session.deviceGone();
                    return;
                }
                dispatcher.handle(in, (int) n);
                if (reply.deviceGone() || dispatcher.destroyed()) {
                    session.deviceGone();
                    return;
                }
            }
        } catch (Throwable t) {
            Log.info("worker " + Thread.currentThread().getName() + " died: " + t);
            session.deviceGone();
        }
    }
}
