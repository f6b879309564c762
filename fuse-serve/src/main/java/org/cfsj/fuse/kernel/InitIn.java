package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_init_in} (64 bytes). Body of INIT (kernels before 7.36 send only the first 16 bytes).
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record InitIn(int major, int minor, int maxReadahead, int flags, int flags2) {
    public static final int SIZE = 64;
    public static final int MAJOR_OFFSET = 0;
    public static final int MINOR_OFFSET = 4;
    public static final int MAX_READAHEAD_OFFSET = 8;
    public static final int FLAGS_OFFSET = 12;
    public static final int FLAGS2_OFFSET = 16;

    public static InitIn read(MemorySegment s, long at) {
        return new InitIn(
                s.get(Kernel.U32, at + 0),
                s.get(Kernel.U32, at + 4),
                s.get(Kernel.U32, at + 8),
                s.get(Kernel.U32, at + 12),
                s.get(Kernel.U32, at + 16));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U32, at + 0, major);
        s.set(Kernel.U32, at + 4, minor);
        s.set(Kernel.U32, at + 8, maxReadahead);
        s.set(Kernel.U32, at + 12, flags);
        s.set(Kernel.U32, at + 16, flags2);
        s.asSlice(at + 20, 44).fill((byte) 0);
    }
}
