package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_attr} (88 bytes). Inode attributes, as in {@code struct stat}.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record Attr(long ino, long size, long blocks, long atime, long mtime, long ctime, int atimensec, int mtimensec, int ctimensec, int mode, int nlink, int uid, int gid, int rdev, int blksize, int flags) {
    public static final int SIZE = 88;
    public static final int INO_OFFSET = 0;
    public static final int SIZE_OFFSET = 8;
    public static final int BLOCKS_OFFSET = 16;
    public static final int ATIME_OFFSET = 24;
    public static final int MTIME_OFFSET = 32;
    public static final int CTIME_OFFSET = 40;
    public static final int ATIMENSEC_OFFSET = 48;
    public static final int MTIMENSEC_OFFSET = 52;
    public static final int CTIMENSEC_OFFSET = 56;
    public static final int MODE_OFFSET = 60;
    public static final int NLINK_OFFSET = 64;
    public static final int UID_OFFSET = 68;
    public static final int GID_OFFSET = 72;
    public static final int RDEV_OFFSET = 76;
    public static final int BLKSIZE_OFFSET = 80;
    public static final int FLAGS_OFFSET = 84;

    public static Attr read(MemorySegment s, long at) {
        return new Attr(
                s.get(Kernel.U64, at + 0),
                s.get(Kernel.U64, at + 8),
                s.get(Kernel.U64, at + 16),
                s.get(Kernel.U64, at + 24),
                s.get(Kernel.U64, at + 32),
                s.get(Kernel.U64, at + 40),
                s.get(Kernel.U32, at + 48),
                s.get(Kernel.U32, at + 52),
                s.get(Kernel.U32, at + 56),
                s.get(Kernel.U32, at + 60),
                s.get(Kernel.U32, at + 64),
                s.get(Kernel.U32, at + 68),
                s.get(Kernel.U32, at + 72),
                s.get(Kernel.U32, at + 76),
                s.get(Kernel.U32, at + 80),
                s.get(Kernel.U32, at + 84));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U64, at + 0, ino);
        s.set(Kernel.U64, at + 8, size);
        s.set(Kernel.U64, at + 16, blocks);
        s.set(Kernel.U64, at + 24, atime);
        s.set(Kernel.U64, at + 32, mtime);
        s.set(Kernel.U64, at + 40, ctime);
        s.set(Kernel.U32, at + 48, atimensec);
        s.set(Kernel.U32, at + 52, mtimensec);
        s.set(Kernel.U32, at + 56, ctimensec);
        s.set(Kernel.U32, at + 60, mode);
        s.set(Kernel.U32, at + 64, nlink);
        s.set(Kernel.U32, at + 68, uid);
        s.set(Kernel.U32, at + 72, gid);
        s.set(Kernel.U32, at + 76, rdev);
        s.set(Kernel.U32, at + 80, blksize);
        s.set(Kernel.U32, at + 84, flags);
    }
}
