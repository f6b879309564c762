package org.cfsj.fuse;

import java.io.IOException;
import java.util.List;
import java.util.function.Function;

/**
 * How requests reach {@link Dispatcher}s and their answers go back: {@code read}/{@code writev}
 * on /dev/fuse fds ({@link DeviceTransport}) or FUSE over io_uring ({@link RingTransport}). The
 * dispatchers know nothing of it: each serving thread gives its own with the {@link Reply} of
 * its transport, and hands it requests laid out as /dev/fuse delivers them.
 *
 * <p>Whatever the transport, the session's /dev/fuse fd stays the connection: passthrough
 * backing ids are registered and notifications written on it.
 */
sealed interface Transport permits DeviceTransport, RingTransport {
    /** How it is named in the log and the {@code --stats} line: {@code dev} or {@code io_uring}. */
    String name();

    /**
     * Starts the serving threads (added to {@code threads}); {@code dispatchers} makes a
     * thread's dispatcher around its reply path.
     */
    void start(Session session, Function<Reply, Dispatcher> dispatchers, List<Thread> threads) throws IOException;

    /** Releases its fds and buffers once its threads have stopped (never the session's fd). */
    void close();
}
