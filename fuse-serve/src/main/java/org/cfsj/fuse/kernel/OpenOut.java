package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_open_out} (16 bytes). Reply to OPEN and OPENDIR.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record OpenOut(long fh, int openFlags, int backingId) {
    public static final int SIZE = 16;
    public static final int FH_OFFSET = 0;
    public static final int OPEN_FLAGS_OFFSET = 8;
    public static final int BACKING_ID_OFFSET = 12;

    public static OpenOut read(MemorySegment s, long at) {
        return new OpenOut(
                s.get(Kernel.U64, at + 0),
                s.get(Kernel.U32, at + 8),
                s.get(Kernel.U32, at + 12));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U64, at + 0, fh);
        s.set(Kernel.U32, at + 8, openFlags);
        s.set(Kernel.U32, at + 12, backingId);
    }
}
