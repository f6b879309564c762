package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_open_in} (8 bytes). Body of OPEN and OPENDIR.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record OpenIn(int flags, int openFlags) {
    public static final int SIZE = 8;
    public static final int FLAGS_OFFSET = 0;
    public static final int OPEN_FLAGS_OFFSET = 4;

    public static OpenIn read(MemorySegment s, long at) {
        return new OpenIn(
                s.get(Kernel.U32, at + 0),
                s.get(Kernel.U32, at + 4));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U32, at + 0, flags);
        s.set(Kernel.U32, at + 4, openFlags);
    }
}
