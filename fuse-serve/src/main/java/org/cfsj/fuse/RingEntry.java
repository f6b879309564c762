package org.cfsj.fuse;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.cfsj.fuse.kernel.InHeader;
import org.cfsj.fuse.kernel.Kernel;
import org.cfsj.fuse.kernel.OutHeader;
import org.cfsj.fuse.kernel.UringEntInOut;
import org.cfsj.fuse.kernel.UringHeader;
import org.cfsj.sys.Io;
import org.cfsj.sys.Mappings;
import org.cfsj.sys.SysException;

/**
 * One FUSE io_uring entry: the two buffers registered with the kernel for one queue (a CPU),
 * and the request it holds between a completion and its commit.
 *
 * <p>Layout of its one anonymous mapping: the 288-byte {@code fuse_uring_req_header} at 0, the
 * iovec pair describing both buffers at {@value #IOV_OFFSET}, and the payload buffer from
 * {@value #PAYLOAD_OFFSET} on. The page before the payload is free from byte 512 on, so a request
 * is reassembled in place as /dev/fuse would deliver it ({@link #request()}): the in header and
 * the first argument are copied to just before the payload, which is not copied at all.
 */
final class RingEntry {
    static final int PAYLOAD_OFFSET = 4096;
    private static final int IOV_OFFSET = 512;
    private static final int COMMIT_ID_AT = UringHeader.RING_ENT_IN_OUT_OFFSET + UringEntInOut.COMMIT_ID_OFFSET;
    private static final int PAYLOAD_SZ_AT = UringHeader.RING_ENT_IN_OUT_OFFSET + UringEntInOut.PAYLOAD_SZ_OFFSET;

    /** Its number in its worker: the user data of its commands. */
    final int index;
    /** Its queue: the CPU whose requests it takes. */
    final int qid;
    final MemorySegment header;
    final MemorySegment payload;
    final MemorySegment iov;
    private final MemorySegment region;
    /** The request it holds (the kernel's commit id), valid after a completion. */
    long commitId;
    /** The last command sent for it: {@link UringHeader#CMD_REGISTER} or {@link UringHeader#CMD_COMMIT_AND_FETCH}. */
    int lastCommand;
    /** True once the request it holds has been answered. */
    boolean answered;
    /** True while a command of it is with the kernel (queued and not yet completed). */
    boolean outstanding;

    RingEntry(int index, int qid, int payloadSize, Arena arena) throws SysException {
        this.index = index;
        this.qid = qid;
        this.region = Mappings.anonymous(PAYLOAD_OFFSET + (long) payloadSize, arena);
        this.header = region.asSlice(0, UringHeader.SIZE);
        this.payload = region.asSlice(PAYLOAD_OFFSET, payloadSize);
        this.iov = region.asSlice(IOV_OFFSET, 2 * Io.IOVEC_SIZE);
        Io.setIovec(iov, 0, header, UringHeader.SIZE);
        Io.setIovec(iov, 1, payload, payloadSize);
    }

    /** The unique id of the request in the header. */
    long unique() {
        return header.get(Kernel.U64, UringHeader.IN_OUT_OFFSET + InHeader.UNIQUE_OFFSET);
    }

    /**
     * Takes the request the kernel just put into this entry: records its commit id and returns
     * it as one run of memory (header, first argument, payload), or null if the kernel's sizes
     * do not add up (the request is then answered with EINVAL).
     */
    MemorySegment request() {
        commitId = header.get(Kernel.U64, COMMIT_ID_AT);
        answered = false;
        long len = Integer.toUnsignedLong(header.get(Kernel.U32, UringHeader.IN_OUT_OFFSET + InHeader.LEN_OFFSET));
        long payloadSize = Integer.toUnsignedLong(header.get(Kernel.U32, PAYLOAD_SZ_AT));
        long argSize = len - InHeader.SIZE - payloadSize;
        if (payloadSize > payload.byteSize() || argSize < 0 || argSize > UringHeader.OP_IN_OUT_SZ) {
            return null;
        }
        long start = PAYLOAD_OFFSET - argSize - InHeader.SIZE;
        MemorySegment.copy(header, UringHeader.IN_OUT_OFFSET, region, start, InHeader.SIZE);
        MemorySegment.copy(header, UringHeader.OP_IN_OFFSET, region, start + InHeader.SIZE, argSize);
        return region.asSlice(start, len);
    }

    /** Puts an answer's out header and payload size where the kernel reads them at commit. */
    void answer(long unique, int error, int payloadLength) {
        header.set(Kernel.U32, UringHeader.IN_OUT_OFFSET, OutHeader.SIZE + payloadLength);
        header.set(Kernel.U32, UringHeader.IN_OUT_OFFSET + OutHeader.ERROR_OFFSET, error);
        header.set(Kernel.U64, UringHeader.IN_OUT_OFFSET + OutHeader.UNIQUE_OFFSET, unique);
        header.set(Kernel.U32, PAYLOAD_SZ_AT, payloadLength);
        answered = true;
    }
}
