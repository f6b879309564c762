package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_release_in} (24 bytes). Body of RELEASE and RELEASEDIR.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record ReleaseIn(long fh, int flags, int releaseFlags, long lockOwner) {
    public static final int SIZE = 24;
    public static final int FH_OFFSET = 0;
    public static final int FLAGS_OFFSET = 8;
    public static final int RELEASE_FLAGS_OFFSET = 12;
    public static final int LOCK_OWNER_OFFSET = 16;

    public static ReleaseIn read(MemorySegment s, long at) {
        return new ReleaseIn(
                s.get(Kernel.U64, at + 0),
                s.get(Kernel.U32, at + 8),
                s.get(Kernel.U32, at + 12),
                s.get(Kernel.U64, at + 16));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U64, at + 0, fh);
        s.set(Kernel.U32, at + 8, flags);
        s.set(Kernel.U32, at + 12, releaseFlags);
        s.set(Kernel.U64, at + 16, lockOwner);
    }
}
