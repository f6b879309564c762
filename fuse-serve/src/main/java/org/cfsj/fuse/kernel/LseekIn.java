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

    public static LseekIn read(MemorySegment s, long off) {
        return new LseekIn(
                s.get(Kernel.U64, off + 0),
                s.get(Kernel.U64, off + 8),
                s.get(Kernel.U32, off + 16),
                s.get(Kernel.U32, off + 20));
    }

    public void write(MemorySegment s, long off) {
        s.set(Kernel.U64, off + 0, fh);
        s.set(Kernel.U64, off + 8, offset);
        s.set(Kernel.U32, off + 16, whence);
        s.set(Kernel.U32, off + 20, padding);
    }
}
