package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_out_header} (16 bytes). Header of every reply and notification; {@code error} is 0 or a negated errno.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record OutHeader(int len, int error, long unique) {
    public static final int SIZE = 16;
    public static final int LEN_OFFSET = 0;
    public static final int ERROR_OFFSET = 4;
    public static final int UNIQUE_OFFSET = 8;

    public static OutHeader read(MemorySegment s, long at) {
        return new OutHeader(
                s.get(Kernel.U32, at + 0),
                s.get(Kernel.U32, at + 4),
                s.get(Kernel.U64, at + 8));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U32, at + 0, len);
        s.set(Kernel.U32, at + 4, error);
        s.set(Kernel.U64, at + 8, unique);
    }
}
