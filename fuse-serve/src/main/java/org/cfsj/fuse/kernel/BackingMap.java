package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_backing_map} (16 bytes). Argument of the FUSE_DEV_IOC_BACKING_OPEN ioctl.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record BackingMap(int fd, int flags, long padding) {
    public static final int SIZE = 16;
    public static final int FD_OFFSET = 0;
    public static final int FLAGS_OFFSET = 4;
    public static final int PADDING_OFFSET = 8;

    public static BackingMap read(MemorySegment s, long at) {
        return new BackingMap(
                s.get(Kernel.U32, at + 0),
                s.get(Kernel.U32, at + 4),
                s.get(Kernel.U64, at + 8));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U32, at + 0, fd);
        s.set(Kernel.U32, at + 4, flags);
        s.set(Kernel.U64, at + 8, padding);
    }
}
