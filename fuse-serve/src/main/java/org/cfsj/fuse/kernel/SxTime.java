package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_sx_time} (16 bytes). A timestamp in {@link Statx}.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record SxTime(long tvSec, int tvNsec, int reserved) {
    public static final int SIZE = 16;
    public static final int TV_SEC_OFFSET = 0;
    public static final int TV_NSEC_OFFSET = 8;
    public static final int RESERVED_OFFSET = 12;

    public static SxTime read(MemorySegment s, long at) {
        return new SxTime(
                s.get(Kernel.U64, at + 0),
                s.get(Kernel.U32, at + 8),
                s.get(Kernel.U32, at + 12));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U64, at + 0, tvSec);
        s.set(Kernel.U32, at + 8, tvNsec);
        s.set(Kernel.U32, at + 12, reserved);
    }
}
