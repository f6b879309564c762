package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_forget_one} (16 bytes). One entry of BATCH_FORGET.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record ForgetOne(long nodeid, long nlookup) {
    public static final int SIZE = 16;
    public static final int NODEID_OFFSET = 0;
    public static final int NLOOKUP_OFFSET = 8;

    public static ForgetOne read(MemorySegment s, long at) {
        return new ForgetOne(
                s.get(Kernel.U64, at + 0),
                s.get(Kernel.U64, at + 8));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U64, at + 0, nodeid);
        s.set(Kernel.U64, at + 8, nlookup);
    }
}
