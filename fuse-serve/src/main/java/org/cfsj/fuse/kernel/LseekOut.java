package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_lseek_out} (8 bytes). Reply to LSEEK.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record LseekOut(long offset) {
    public static final int SIZE = 8;
    public static final int OFFSET_OFFSET = 0;

    public static LseekOut read(MemorySegment s, long at) {
        return new LseekOut(
                s.get(Kernel.U64, at + 0));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U64, at + 0, offset);
    }
}
