package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_read_in} (40 bytes). Body of READ, READDIR and READDIRPLUS.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record ReadIn(long fh, long offset, int size, int readFlags, long lockOwner, int flags, int padding) {
    public static final int SIZE = 40;
    public static final int FH_OFFSET = 0;
    public static final int OFFSET_OFFSET = 8;
    public static final int SIZE_OFFSET = 16;
    public static final int READ_FLAGS_OFFSET = 20;
    public static final int LOCK_OWNER_OFFSET = 24;
    public static final int FLAGS_OFFSET = 32;
    public static final int PADDING_OFFSET = 36;

    public static ReadIn read(MemorySegment s, long at) {
        return new ReadIn(
                s.get(Kernel.U64, at + 0),
                s.get(Kernel.U64, at + 8),
                s.get(Kernel.U32, at + 16),
                s.get(Kernel.U32, at + 20),
                s.get(Kernel.U64, at + 24),
                s.get(Kernel.U32, at + 32),
                s.get(Kernel.U32, at + 36));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U64, at + 0, fh);
        s.set(Kernel.U64, at + 8, offset);
        s.set(Kernel.U32, at + 16, size);
        s.set(Kernel.U32, at + 20, readFlags);
        s.set(Kernel.U64, at + 24, lockOwner);
        s.set(Kernel.U32, at + 32, flags);
        s.set(Kernel.U32, at + 36, padding);
    }
}
