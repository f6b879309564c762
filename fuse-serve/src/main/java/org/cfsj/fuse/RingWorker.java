package org.cfsj.fuse;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashSet;
import java.util.Set;
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
 * thread alone touches its ring. It ends in one of three ways:
 * <ul>
 * <li>the connection ended (entries complete with ENOTCONN, ECONNABORTED or ECANCELED, or
 * DESTROY came): the session is over, and the buffers are unmapped, as the kernel no longer
 * uses them;
 * <li>the session stops: the answers already queued are submitted (a draining mount still gets
 * them), and the buffers stay mapped, since the connection may still put requests into them;
 * <li>the worker fails (an error of its own, or an entry the kernel will not take back): it
 * aborts the connection, so that the mount fails at once rather than waits for a server that
 * is gone, and leaves the buffers mapped, since they are registered with the connection.
 * </ul>
 * Invariant: a buffer is unmapped only once the kernel holds none of its entries' commands, or
 * the connection has ended.
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
    /** The queues this worker's accepted entries serve; complete when {@link #registered} is. */
    final Set<Integer> acceptedQueues = new HashSet<>();
    private RingReply reply;
    private Dispatcher dispatcher;
    private boolean registering = true;
    private String failure;
    private boolean gone;
    private boolean warned;
    /** Why an entry was given up (set in a completion; the loop then fails the worker). */
    private String lost;
    /** How often in a row an entry's command may be refused before the worker gives up on it. */
    private static final int MAX_RETRIES = 3;

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
        String failed = null;
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
            for (RingEntry e : entries) {
                if (e.outstanding) {
                    acceptedQueues.add(e.qid);
                }
            }
            registered.complete(failure);
            while (!gone && outstanding() && !session.stopping()) {
                if (lost != null) {
                    throw new EntryLost(lost);
                }
                ring.submitAndWait(1);
                ring.reap(this::completed);
            }
            if (!gone && ring.pending() > 0) {
                // stopping: the answers just queued still reach a mount that drains
                ring.submitAndWait(0);
            }
            if (lost != null && !gone && !session.stopping()) {
                throw new EntryLost(lost);
            }
        } catch (SysException | RuntimeException | Error e) {
            failed = e.getMessage() == null ? e.toString() : e.getMessage();
            registered.complete("io_uring failed: " + failed);
        } catch (EntryLost e) {
            failed = e.getMessage();
        } finally {
            if (failed != null) {
                fail(failed);
            } else if (gone) {
                session.deviceGone();
            }
            ring.close();
            if (failed == null && (gone || !outstanding())) {
                arena.close();
            }
            // else: the connection may still put requests into these buffers; they go with the process
        }
    }

    /**
     * This worker can no longer serve its queues: abort the connection, so that the mount's
     * callers fail at once (the other workers then see it end), rather than wait for requests
     * that no one takes.
     */
    private void fail(String why) {
        String abort;
        try {
            if (session.device() == null) {
                abort = "; its device is unknown, so the connection could not be aborted";
            } else {
                FuseControl.abort(session.device());
                abort = "; the connection is aborted";
            }
        } catch (IOException | RuntimeException e) {
            abort = "; aborting the connection failed: " + e.getMessage();
        }
        Log.info("io_uring worker " + Thread.currentThread().getName() + " failed: " + why + abort);
    }

    /** An entry the kernel did not take back: the worker cannot serve its queue any more. */
    private static final class EntryLost extends Exception {
        EntryLost(String message) {
            super(message, null, false, false);
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
        if (!e.outstanding) {
            return; // the kernel holds no command of it: a stale or duplicate completion
        }
        e.outstanding = false;
        if (result >= 0) {
            e.retries = 0;
            handle(e);
            return;
        }
        switch (-result) {
            case Errno.ENOTCONN, Errno.ECONNABORTED, Errno.ECANCELED -> gone = true; // unmounted or aborted
            case Errno.EAGAIN, Errno.EINTR -> retry(e, e.lastCommand, Errno.strerror(-result));
            default -> {
                String what = commandName(e.lastCommand) + " failed: " + Errno.strerror(-result);
                if (registering) {
                    failure = what;
                } else if (e.lastCommand == UringHeader.CMD_REGISTER) {
                    // registered once, refused now: with its queue's requests nowhere to go, fail fast
                    lost = what;
                } else {
                    if (!warned) {
                        warned = true;
                        Log.info(what + "; registering the entry again");
                    }
                    // its request is gone (the kernel ended it); the entry comes back for new ones
                    retry(e, UringHeader.CMD_REGISTER, what);
                }
            }
        }
    }

    /** Queues {@code command} for {@code e} again, a bounded number of times in a row. */
    private void retry(RingEntry e, int command, String why) {
        if (++e.retries > MAX_RETRIES) {
            lost = commandName(e.lastCommand) + " failed " + MAX_RETRIES + " times in a row: " + why;
            return;
        }
        RingReply.queue(ring, fuseFd, e, command);
    }

    private static String commandName(int command) {
        return command == UringHeader.CMD_REGISTER ? "FUSE_IO_URING_CMD_REGISTER" : "FUSE_IO_URING_CMD_COMMIT_AND_FETCH";
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
