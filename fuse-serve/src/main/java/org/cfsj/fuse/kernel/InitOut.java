package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_init_out} (64 bytes). Reply to INIT.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record InitOut(int major, int minor, int maxReadahead, int flags, int maxBackground, int congestionThreshold, int maxWrite, int timeGran, int maxPages, int mapAlignment, int flags2, int maxStackDepth, int requestTimeout) {
    public static final int SIZE = 64;
    public static final int MAJOR_OFFSET = 0;
    public static final int MINOR_OFFSET = 4;
    public static final int MAX_READAHEAD_OFFSET = 8;
    public static final int FLAGS_OFFSET = 12;
    public static final int MAX_BACKGROUND_OFFSET = 16;
    public static final int CONGESTION_THRESHOLD_OFFSET = 18;
    public static final int MAX_WRITE_OFFSET = 20;
    public static final int TIME_GRAN_OFFSET = 24;
    public static final int MAX_PAGES_OFFSET = 28;
    public static final int MAP_ALIGNMENT_OFFSET = 30;
    public static final int FLAGS2_OFFSET = 32;
    public static final int MAX_STACK_DEPTH_OFFSET = 36;
    public static final int REQUEST_TIMEOUT_OFFSET = 40;

    public static InitOut read(MemorySegment s, long at) {
        return new InitOut(
                s.get(Kernel.U32, at + 0),
                s.get(Kernel.U32, at + 4),
                s.get(Kernel.U32, at + 8),
                s.get(Kernel.U32, at + 12),
                Short.toUnsignedInt(s.get(Kernel.U16, at + 16)),
                Short.toUnsignedInt(s.get(Kernel.U16, at + 18)),
                s.get(Kernel.U32, at + 20),
                s.get(Kernel.U32, at + 24),
                Short.toUnsignedInt(s.get(Kernel.U16, at + 28)),
                Short.toUnsignedInt(s.get(Kernel.U16, at + 30)),
                s.get(Kernel.U32, at + 32),
                s.get(Kernel.U32, at + 36),
                Short.toUnsignedInt(s.get(Kernel.U16, at + 40)));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U32, at + 0, major);
        s.set(Kernel.U32, at + 4, minor);
        s.set(Kernel.U32, at + 8, maxReadahead);
        s.set(Kernel.U32, at + 12, flags);
        s.set(Kernel.U16, at + 16, (short) maxBackground);
        s.set(Kernel.U16, at + 18, (short) congestionThreshold);
        s.set(Kernel.U32, at + 20, maxWrite);
        s.set(Kernel.U32, at + 24, timeGran);
        s.set(Kernel.U16, at + 28, (short) maxPages);
        s.set(Kernel.U16, at + 30, (short) mapAlignment);
        s.set(Kernel.U32, at + 32, flags2);
        s.set(Kernel.U32, at + 36, maxStackDepth);
        s.set(Kernel.U16, at + 40, (short) requestTimeout);
        s.asSlice(at + 42, 22).fill((byte) 0);
    }
}
