package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_batch_forget_in} (8 bytes). Body of BATCH_FORGET, followed by {@code count} {@link ForgetOne}s.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record BatchForgetIn(int count, int dummy) {
    public static final int SIZE = 8;
    public static final int COUNT_OFFSET = 0;
    public static final int DUMMY_OFFSET = 4;

    public static BatchForgetIn read(MemorySegment s, long at) {
        return new BatchForgetIn(
                s.get(Kernel.U32, at + 0),
                s.get(Kernel.U32, at + 4));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U32, at + 0, count);
        s.set(Kernel.U32, at + 4, dummy);
    }
}
