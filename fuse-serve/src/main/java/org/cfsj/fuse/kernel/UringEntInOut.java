package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_uring_ent_in_out} (32 bytes), the last part of a ring entry's header
 * ({@link UringHeader#RING_ENT_IN_OUT_OFFSET}): the kernel writes the commit id and the request's
 * payload size, the server writes its reply's payload size.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record UringEntInOut(long flags, long commitId, int payloadSz, int padding, long reserved) {
    public static final int SIZE = 32;
    public static final int FLAGS_OFFSET = 0;
    public static final int COMMIT_ID_OFFSET = 8;
    public static final int PAYLOAD_SZ_OFFSET = 16;
    public static final int PADDING_OFFSET = 20;
    public static final int RESERVED_OFFSET = 24;

    public static UringEntInOut read(MemorySegment s, long at) {
        return new UringEntInOut(
                s.get(Kernel.U64, at + 0),
                s.get(Kernel.U64, at + 8),
                s.get(Kernel.U32, at + 16),
                s.get(Kernel.U32, at + 20),
                s.get(Kernel.U64, at + 24));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U64, at + 0, flags);
        s.set(Kernel.U64, at + 8, commitId);
        s.set(Kernel.U32, at + 16, payloadSz);
        s.set(Kernel.U32, at + 20, padding);
        s.set(Kernel.U64, at + 24, reserved);
    }
}
