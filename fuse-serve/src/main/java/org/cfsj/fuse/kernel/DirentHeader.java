package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_dirent} (24 bytes). Fixed part of a READDIR record; the name follows, the record is padded to 8 bytes.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record DirentHeader(long ino, long off, int namelen, int type) {
    public static final int SIZE = 24;
    public static final int INO_OFFSET = 0;
    public static final int OFF_OFFSET = 8;
    public static final int NAMELEN_OFFSET = 16;
    public static final int TYPE_OFFSET = 20;

    public static DirentHeader read(MemorySegment s, long at) {
        return new DirentHeader(
                s.get(Kernel.U64, at + 0),
                s.get(Kernel.U64, at + 8),
                s.get(Kernel.U32, at + 16),
                s.get(Kernel.U32, at + 20));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U64, at + 0, ino);
        s.set(Kernel.U64, at + 8, off);
        s.set(Kernel.U32, at + 16, namelen);
        s.set(Kernel.U32, at + 20, type);
    }
}
