package org.cfsj.fuse;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.cfsj.fuse.kernel.UringHeader;
import org.cfsj.sys.Errno;
import org.cfsj.sys.IoUring;
import org.cfsj.sys.SysException;

/**
 * One thread of the io_uring transport: it owns one ring and its entries, registers them, then
 * loops: wait for completions (each one an entry holding a request), dispatch each request,
 * and submit all their COMMIT_AND_FETCHes with the next wait, one system call for the lot.
 *
 * <p>The thread that submits an entry's command is the one the kernel wakes for it, so this
 * thread alone touches its ring. It stops when the connection goes (its entries complete with
 * ENOTCONN or ECONNABORTED); only then are the buffers unmapped, since until then the kernel may
 * write a request into them.
 */
final class RingWorker implements Runnable {
    private final Session session;
    private final IoUring ring;
    private final Arena arena;
    private final int fuseFd;
    private final RingEntry[] entries;
    private final Function<Reply, Dispatcher> dispatchers;
    /** Completed with null once every entry is registered, or with why one was not. */
    final CompletableFuture<String> registered = new CompletableFuture<>();
    private RingReply reply;
    private Dispatcher dispatcher;
    private boolean registering = true;
    private String failure;
    private boolean gone;
    private boolean warned;

    RingWorker(Session session, IoUring ring, Arena arena, int fuseFd, RingEntry[] entries,
            Function<Reply, Dispatcher> dispatchers) {
        this.session = session;
        this.ring = ring;
        this.arena = arena;
        this.fuseFd = fuseFd;
        this.entries = entries;
        this.dispatchers = dispatchers;
    }

    @Override
    public void run() {
        try {
            reply = new RingReply(ring, fuseFd);
            dispatcher = dispatchers.apply(reply);
            for (RingEntry e : entries) {
                RingReply.queue(ring, fuseFd, e, UringHeader.CMD_REGISTER);
            }
            // a refused REGISTER completes within this call; an accepted one only with a request
            ring.submitAndWait(0);
            ring.reap(this::completed);
            registering = false;
            registered.complete(failure);
            while (!gone && outstanding() && !session.stopping()) {
                ring.submitAndWait(1);
                ring.reap(this::completed);
            }
        } catch (SysException | RuntimeException | Error e) {
            registered.complete("io_uring failed: " + e.getMessage());
            Log.info("io_uring worker " + Thread.currentThread().getName() + " stops: " + e);
            gone = true;
        } finally {
            if (gone) {
                session.deviceGone();
            }
            ring.close();
            if (gone || !outstanding()) {
                arena.close();
            }
            // else: the connection may still put requests into these buffers; they go with the process
        }
    }

    /** True while the kernel holds a command of any entry (else nothing can complete any more). */
    private boolean outstanding() {
        for (RingEntry e : entries) {
            if (e.outstanding) {
                return true;
            }
        }
        return false;
    }

    private void completed(long userData, int result) {
        if (userData < 0 || userData >= entries.length) {
            return; // not one of ours
        }
        RingEntry e = entries[(int) userData];
        e.outstanding = false;
        if (result >= 0) {
            handle(e);
            return;
        }
        switch (-result) {
            case Errno.ENOTCONN, Errno.ECONNABORTED, Errno.ECANCELED -> gone = true; // unmounted or aborted
            case Errno.EAGAIN, Errno.EINTR -> RingReply.queue(ring, fuseFd, e, e.lastCommand);
            default -> {
                String what = (e.lastCommand == UringHeader.CMD_REGISTER ? "FUSE_IO_URING_CMD_REGISTER"
                        : "FUSE_IO_URING_CMD_COMMIT_AND_FETCH") + " failed: " + Errno.strerror(-result);
                if (registering) {
                    failure = what;
                } else {
                    if (!warned) {
                        warned = true;
                        Log.info(what + "; registering the entry again");
                    }
                    // its request is gone (the kernel ended it); the entry comes back for new ones
                    RingReply.queue(ring, fuseFd, e, UringHeader.CMD_REGISTER);
                }
            }
        }
    }

    private void handle(RingEntry e) {
        reply.serve(e);
        MemorySegment request = e.request();
        if (request == null) {
            if (!warned) {
                warned = true;
                Log.info("the kernel sent an io_uring request whose sizes do not add up; answering EINVAL");
            }
            reply.error(e.unique(), Errno.EINVAL);
            return;
        }
        dispatcher.handle(request, (int) request.byteSize());
        if (!e.answered) {
            // every entry must go back to the kernel, even for a request that takes no answer
            reply.error(e.unique(), Errno.ENOSYS);
        }
        if (dispatcher.destroyed()) {
            gone = true;
        }
    }
}
