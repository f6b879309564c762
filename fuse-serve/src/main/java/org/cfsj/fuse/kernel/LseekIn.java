package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_lseek_in} (24 bytes). Body of LSEEK.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record LseekIn(long fh, long offset, int whence, int padding) {
    public static final int SIZE = 24;
    public static final int FH_OFFSET = 0;
    public static final int OFFSET_OFFSET = 8;
    public static final int WHENCE_OFFSET = 16;
    public static final int PADDING_OFFSET = 20;

    public static LseekIn read(MemorySegment s, long at) {
        return new LseekIn(
                s.get(Kernel.U64, at + 0),
                s.get(Kernel.U64, at + 8),
                s.get(Kernel.U32, at + 16),
                s.get(Kernel.U32, at + 20));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U64, at + 0, fh);
        s.set(Kernel.U64, at + 8, offset);
        s.set(Kernel.U32, at + 16, whence);
        s.set(Kernel.U32, at + 20, padding);
    }
}
