package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_statx_in} (24 bytes). Body of STATX.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record StatxIn(int getattrFlags, int reserved, long fh, int sxFlags, int sxMask) {
    public static final int SIZE = 24;
    public static final int GETATTR_FLAGS_OFFSET = 0;
    public static final int RESERVED_OFFSET = 4;
    public static final int FH_OFFSET = 8;
    public static final int SX_FLAGS_OFFSET = 16;
    public static final int SX_MASK_OFFSET = 20;

    public static StatxIn read(MemorySegment s, long at) {
        return new StatxIn(
                s.get(Kernel.U32, at + 0),
                s.get(Kernel.U32, at + 4),
                s.get(Kernel.U64, at + 8),
                s.get(Kernel.U32, at + 16),
                s.get(Kernel.U32, at + 20));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U32, at + 0, getattrFlags);
        s.set(Kernel.U32, at + 4, reserved);
        s.set(Kernel.U64, at + 8, fh);
        s.set(Kernel.U32, at + 16, sxFlags);
        s.set(Kernel.U32, at + 20, sxMask);
    }
}
