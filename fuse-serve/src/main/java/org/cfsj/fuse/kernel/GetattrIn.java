package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_getattr_in} (16 bytes). Body of GETATTR.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record GetattrIn(int getattrFlags, int dummy, long fh) {
    public static final int SIZE = 16;
    public static final int GETATTR_FLAGS_OFFSET = 0;
    public static final int DUMMY_OFFSET = 4;
    public static final int FH_OFFSET = 8;

    public static GetattrIn read(MemorySegment s, long at) {
        return new GetattrIn(
                s.get(Kernel.U32, at + 0),
                s.get(Kernel.U32, at + 4),
                s.get(Kernel.U64, at + 8));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U32, at + 0, getattrFlags);
        s.set(Kernel.U32, at + 4, dummy);
        s.set(Kernel.U64, at + 8, fh);
    }
}
