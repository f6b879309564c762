package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_uring_cmd_req} (24 bytes). The command area of a FUSE io_uring submission
 * entry: which queue an entry belongs to and, for COMMIT_AND_FETCH, which request it answers.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits; the
 * six padding bytes are written as zeros); {@link #read} and {@link #write} use host byte order.
 *
 * @param commitId the {@link UringEntInOut#commitId} of the request being answered (0 to register)
 * @param qid      the queue: the CPU whose requests this entry takes
 */
public record UringCmdReq(long flags, long commitId, int qid) {
    public static final int SIZE = 24;
    public static final int FLAGS_OFFSET = 0;
    public static final int COMMIT_ID_OFFSET = 8;
    public static final int QID_OFFSET = 16;
    public static final int PADDING_OFFSET = 18;

    public static UringCmdReq read(MemorySegment s, long at) {
        return new UringCmdReq(
                s.get(Kernel.U64, at + 0),
                s.get(Kernel.U64, at + 8),
                Short.toUnsignedInt(s.get(Kernel.U16, at + 16)));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U64, at + 0, flags);
        s.set(Kernel.U64, at + 8, commitId);
        s.set(Kernel.U16, at + 16, (short) qid);
        s.asSlice(at + PADDING_OFFSET, SIZE - PADDING_OFFSET).fill((byte) 0);
    }
}
