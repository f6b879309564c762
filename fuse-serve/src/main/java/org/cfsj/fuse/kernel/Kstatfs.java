package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_kstatfs} (80 bytes). Filesystem statistics, as in {@code struct statfs}.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record Kstatfs(long blocks, long bfree, long bavail, long files, long ffree, int bsize, int namelen, int frsize, int padding) {
    public static final int SIZE = 80;
    public static final int BLOCKS_OFFSET = 0;
    public static final int BFREE_OFFSET = 8;
    public static final int BAVAIL_OFFSET = 16;
    public static final int FILES_OFFSET = 24;
    public static final int FFREE_OFFSET = 32;
    public static final int BSIZE_OFFSET = 40;
    public static final int NAMELEN_OFFSET = 44;
    public static final int FRSIZE_OFFSET = 48;
    public static final int PADDING_OFFSET = 52;

    public static Kstatfs read(MemorySegment s, long at) {
        return new Kstatfs(
                s.get(Kernel.U64, at + 0),
                s.get(Kernel.U64, at + 8),
                s.get(Kernel.U64, at + 16),
                s.get(Kernel.U64, at + 24),
                s.get(Kernel.U64, at + 32),
                s.get(Kernel.U32, at + 40),
                s.get(Kernel.U32, at + 44),
                s.get(Kernel.U32, at + 48),
                s.get(Kernel.U32, at + 52));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U64, at + 0, blocks);
        s.set(Kernel.U64, at + 8, bfree);
        s.set(Kernel.U64, at + 16, bavail);
        s.set(Kernel.U64, at + 24, files);
        s.set(Kernel.U64, at + 32, ffree);
        s.set(Kernel.U32, at + 40, bsize);
        s.set(Kernel.U32, at + 44, namelen);
        s.set(Kernel.U32, at + 48, frsize);
        s.set(Kernel.U32, at + 52, padding);
        s.asSlice(at + 56, 24).fill((byte) 0);
    }
}
