package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_access_in} (8 bytes). Body of ACCESS.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record AccessIn(int mask, int padding) {
    public static final int SIZE = 8;
    public static final int MASK_OFFSET = 0;
    public static final int PADDING_OFFSET = 4;

    public static AccessIn read(MemorySegment s, long at) {
        return new AccessIn(
                s.get(Kernel.U32, at + 0),
                s.get(Kernel.U32, at + 4));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U32, at + 0, mask);
        s.set(Kernel.U32, at + 4, padding);
    }
}
