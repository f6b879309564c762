package org.cfsj.fuse;

import java.lang.foreign.MemorySegment;
import org.cfsj.fuse.kernel.UringCmdReq;
import org.cfsj.fuse.kernel.UringHeader;
import org.cfsj.sys.Errno;
import org.cfsj.sys.IoUring;

/**
 * The io_uring reply path of one {@link RingWorker}: the answer is written into the buffers of
 * the entry that holds the request (the payload in place, no copy) and a COMMIT_AND_FETCH is
 * queued for it, which the worker submits with its next wait. The kernel then copies the answer
 * and puts the entry's next request into the same buffers.
 */
final class RingReply implements Reply {
    private final IoUring ring;
    private final int fuseFd;
    private RingEntry entry;

    RingReply(IoUring ring, int fuseFd) {
        this.ring = ring;
        this.fuseFd = fuseFd;
    }

    /** The entry whose request is being handled: answers go to it. */
    void serve(RingEntry e) {
        entry = e;
    }

    @Override
    public MemorySegment payload() {
        return entry.payload;
    }

    @Override
    public boolean deviceGone() {
        return false; // the ring reports a lost connection as a completion, which the worker sees
    }

    @Override
    public void ok(long unique, int payloadLength) {
        commit(unique, 0, payloadLength);
    }

    @Override
    public void okWith(long unique, int payloadLength, MemorySegment extra) {
        if (payloadLength + extra.byteSize() > entry.payload.byteSize()) {
            commit(unique, -Errno.EIO, 0);
            return;
        }
        MemorySegment.copy(extra, 0, entry.payload, payloadLength, extra.byteSize());
        commit(unique, 0, (int) (payloadLength + extra.byteSize()));
    }

    @Override
    public void error(long unique, int errno) {
        commit(unique, -errno, 0);
    }

    private void commit(long unique, int error, int payloadLength) {
        if (entry.answered) {
            return;
        }
        entry.answer(unique, error, payloadLength);
        queue(ring, fuseFd, entry, UringHeader.CMD_COMMIT_AND_FETCH);
    }

    /** Queues {@code command} for {@code e}: REGISTER hands over its buffers, COMMIT_AND_FETCH its answer. */
    static void queue(IoUring ring, int fuseFd, RingEntry e, int command) {
        boolean register = command == UringHeader.CMD_REGISTER;
        MemorySegment cmd = ring.queueCommand(fuseFd, command, register ? e.iov.address() : 0, register ? 2 : 0,
                e.index);
        new UringCmdReq(0, register ? 0 : e.commitId, e.qid).write(cmd, 0);
        e.lastCommand = command;
        e.outstanding = true;
    }
}
