package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_statx_out} (288 bytes). Reply to STATX.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record StatxOut(long attrValid, int attrValidNsec, int flags, Statx stat) {
    public static final int SIZE = 288;
    public static final int ATTR_VALID_OFFSET = 0;
    public static final int ATTR_VALID_NSEC_OFFSET = 8;
    public static final int FLAGS_OFFSET = 12;
    public static final int STAT_OFFSET = 32;

    public static StatxOut read(MemorySegment s, long at) {
        return new StatxOut(
                s.get(Kernel.U64, at + 0),
                s.get(Kernel.U32, at + 8),
                s.get(Kernel.U32, at + 12),
                Statx.read(s, at + 32));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U64, at + 0, attrValid);
        s.set(Kernel.U32, at + 8, attrValidNsec);
        s.set(Kernel.U32, at + 12, flags);
        s.asSlice(at + 16, 16).fill((byte) 0);
        stat.write(s, at + 32);
    }
}
