package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_notify_store_out} (24 bytes). Body of the FUSE_NOTIFY_STORE notification
 * (followed by {@code size} bytes of file data), which puts data into a cached inode's page cache.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record NotifyStoreOut(long nodeid, long offset, int size, int padding) {
    public static final int SIZE = 24;
    public static final int NODEID_OFFSET = 0;
    public static final int OFFSET_OFFSET = 8;
    public static final int SIZE_OFFSET = 16;
    public static final int PADDING_OFFSET = 20;

    public static NotifyStoreOut read(MemorySegment s, long at) {
        return new NotifyStoreOut(
                s.get(Kernel.U64, at + 0),
                s.get(Kernel.U64, at + 8),
                s.get(Kernel.U32, at + 16),
                s.get(Kernel.U32, at + 20));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U64, at + 0, nodeid);
        s.set(Kernel.U64, at + 8, offset);
        s.set(Kernel.U32, at + 16, size);
        s.set(Kernel.U32, at + 20, padding);
    }
}
