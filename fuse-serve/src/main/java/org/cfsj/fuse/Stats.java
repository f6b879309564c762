package org.cfsj.fuse;

import java.util.concurrent.atomic.LongAdder;
import org.cfsj.fuse.kernel.Opcode;

/**
 * Request counters of one session, updated by every worker without locking (LongAdder), so that
 * tests and the {@code --stats} line can prove what reached the server (e.g. that passthrough
 * reads never do).
 */
public final class Stats {
    private final LongAdder requests = new LongAdder();
    private final LongAdder[] byOpcode = new LongAdder[64];
    private final LongAdder passthroughOpens = new LongAdder();
    private final LongAdder eio = new LongAdder();
    private volatile String transport = "none";

    public Stats() {
        for (int i = 0; i < byOpcode.length; i++) {
            byOpcode[i] = new LongAdder();
        }
    }

    void countRequest(int opcode) {
        requests.increment();
        if (opcode >= 0 && opcode < byOpcode.length) {
            byOpcode[opcode].increment();
        }
    }

    void countPassthroughOpen() {
        passthroughOpens.increment();
    }

    /** Set once the session knows how requests travel. */
    void transport(String name) {
        transport = name;
    }

    /** How requests travel: {@code io_uring} or {@code dev} (/dev/fuse). */
    public String transport() {
        return transport;
    }

    void countEio() {
        eio.increment();
    }

    /** All requests read from the device, INIT and FORGETs included. */
    public long requests() {
        return requests.sum();
    }

    public long count(Opcode opcode) {
        return byOpcode[opcode.code()].sum();
    }

    public long passthroughOpens() {
        return passthroughOpens.sum();
    }

    /** Requests answered with EIO (corrupt image data, failed object reads or verification). */
    public long eio() {
        return eio.sum();
    }

    /**
     * The counters as one line's worth of {@code key=value} pairs (READDIR counts READDIRPLUS too,
     * GETATTR counts STATX).
     */
    public String summary(long verityChecked) {
        return "requests=" + requests() + " lookup=" + count(Opcode.LOOKUP) + " read=" + count(Opcode.READ)
                + " readdir=" + (count(Opcode.READDIR) + count(Opcode.READDIRPLUS))
                + " readlink=" + count(Opcode.READLINK) + " getattr=" + (count(Opcode.GETATTR) + count(Opcode.STATX))
                + " getxattr=" + count(Opcode.GETXATTR) + " listxattr=" + count(Opcode.LISTXATTR)
                + " open=" + count(Opcode.OPEN) + " release=" + count(Opcode.RELEASE)
                + " passthrough_opens=" + passthroughOpens() + " verity_checked=" + verityChecked + " eio=" + eio()
                + " transport=" + transport;
    }
}
