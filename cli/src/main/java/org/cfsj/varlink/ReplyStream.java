package org.cfsj.varlink;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A call's {@code continues} replies written by a writer thread of their own, so the code
 * producing them (a pull's download threads) never waits for the client: a client that reads
 * slowly or not at all cannot stall the work, nor anything that work holds (a repository lock).
 *
 * <p>Invariants: frames go out in the order offered, except that a frame offered with a key
 * replaces a still-waiting frame with the same key, in that frame's place (progress is coalesced,
 * events are not). At most {@code capacity} frames wait. When more would, the client is not
 * keeping up and the connection is abandoned (shut down: a gap in the events would be worse); when
 * a write fails (the client is gone, or did not read within {@link VarlinkLimits#writeTimeout()}),
 * the stream is broken. A broken stream drops what waits and ignores what comes. The call's last
 * reply or error is written only after {@link #finish} saw the writer end, so two threads never
 * write to the connection at once.
 */
public final class ReplyStream {
    /** The key of a frame nothing may replace. */
    private record Unique(long n) {}

    private final MethodCall call;
    private final int capacity;
    private final Map<Object, ObjectNode> waiting = new LinkedHashMap<>();
    private long offered;
    private boolean broken;
    private boolean finishing;
    private Thread writer;

    ReplyStream(MethodCall call, int capacity) {
        this.call = call;
        this.capacity = capacity;
    }

    /** Queues {@code frame}; a non-null {@code key} replaces a waiting frame offered with an equal key. Never blocks. */
    public synchronized void offer(ObjectNode frame, Object key) {
        if (broken || finishing) {
            return;
        }
        Object k = key == null ? new Unique(offered++) : key;
        if (!waiting.containsKey(k) && waiting.size() >= capacity) {
            breakOff();
            call.abandonConnection();
            return;
        }
        waiting.put(k, frame);
        if (writer == null) {
            writer = Thread.ofVirtual().name("varlink-stream").start(this::drain);
        }
        notifyAll();
    }

    /** Whether frames are still being delivered. */
    public synchronized boolean broken() {
        return broken;
    }

    private void breakOff() {
        broken = true;
        waiting.clear();
        notifyAll();
    }

    private void drain() {
        while (true) {
            ObjectNode next;
            synchronized (this) {
                while (waiting.isEmpty() && !finishing) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        breakOff();
                        return;
                    }
                }
                if (waiting.isEmpty()) {
                    return;
                }
                Iterator<ObjectNode> it = waiting.values().iterator();
                next = it.next();
                it.remove();
            }
            try {
                call.writeContinues(next);
            } catch (IOException e) {
                synchronized (this) {
                    breakOff(); // the client is gone or stalled: the work goes on without it
                }
            }
        }
    }

    /** Lets the writer deliver what waits (or fail), then ends it; further offers are ignored. */
    void finish() {
        Thread w;
        synchronized (this) {
            finishing = true;
            notifyAll();
            w = writer;
        }
        if (w == null) {
            return;
        }
        try {
            w.join();
        } catch (InterruptedException e) {
            synchronized (this) {
                breakOff();
            }
            call.abandonConnection();
            Thread.currentThread().interrupt();
        }
    }
}
