package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_forget_in} (8 bytes). Body of FORGET.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record ForgetIn(long nlookup) {
    public static final int SIZE = 8;
    public static final int NLOOKUP_OFFSET = 0;

    public static ForgetIn read(MemorySegment s, long at) {
        return new ForgetIn(
                s.get(Kernel.U64, at + 0));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U64, at + 0, nlookup);
    }
}
