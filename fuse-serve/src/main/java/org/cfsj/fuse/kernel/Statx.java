package org.cfsj.fuse.kernel;

import java.lang.foreign.MemorySegment;

/**
 * {@code struct fuse_statx} (256 bytes). Bit-for-bit the {@code statx(2)} ABI.
 *
 * <p>Mirrors include/uapi/linux/fuse.h field for field (unsigned values kept as raw bits);
 * {@link #read} and {@link #write} use host byte order, as the kernel does.
 */
public record Statx(int mask, int blksize, long attributes, int nlink, int uid, int gid, int mode, long ino, long size, long blocks, long attributesMask, SxTime atime, SxTime btime, SxTime ctime, SxTime mtime, int rdevMajor, int rdevMinor, int devMajor, int devMinor) {
    public static final int SIZE = 256;
    public static final int MASK_OFFSET = 0;
    public static final int BLKSIZE_OFFSET = 4;
    public static final int ATTRIBUTES_OFFSET = 8;
    public static final int NLINK_OFFSET = 16;
    public static final int UID_OFFSET = 20;
    public static final int GID_OFFSET = 24;
    public static final int MODE_OFFSET = 28;
    public static final int INO_OFFSET = 32;
    public static final int SIZE_OFFSET = 40;
    public static final int BLOCKS_OFFSET = 48;
    public static final int ATTRIBUTES_MASK_OFFSET = 56;
    public static final int ATIME_OFFSET = 64;
    public static final int BTIME_OFFSET = 80;
    public static final int CTIME_OFFSET = 96;
    public static final int MTIME_OFFSET = 112;
    public static final int RDEV_MAJOR_OFFSET = 128;
    public static final int RDEV_MINOR_OFFSET = 132;
    public static final int DEV_MAJOR_OFFSET = 136;
    public static final int DEV_MINOR_OFFSET = 140;

    public static Statx read(MemorySegment s, long at) {
        return new Statx(
                s.get(Kernel.U32, at + 0),
                s.get(Kernel.U32, at + 4),
                s.get(Kernel.U64, at + 8),
                s.get(Kernel.U32, at + 16),
                s.get(Kernel.U32, at + 20),
                s.get(Kernel.U32, at + 24),
                Short.toUnsignedInt(s.get(Kernel.U16, at + 28)),
                s.get(Kernel.U64, at + 32),
                s.get(Kernel.U64, at + 40),
                s.get(Kernel.U64, at + 48),
                s.get(Kernel.U64, at + 56),
                SxTime.read(s, at + 64),
                SxTime.read(s, at + 80),
                SxTime.read(s, at + 96),
                SxTime.read(s, at + 112),
                s.get(Kernel.U32, at + 128),
                s.get(Kernel.U32, at + 132),
                s.get(Kernel.U32, at + 136),
                s.get(Kernel.U32, at + 140));
    }

    public void write(MemorySegment s, long at) {
        s.set(Kernel.U32, at + 0, mask);
        s.set(Kernel.U32, at + 4, blksize);
        s.set(Kernel.U64, at + 8, attributes);
        s.set(Kernel.U32, at + 16, nlink);
        s.set(Kernel.U32, at + 20, uid);
        s.set(Kernel.U32, at + 24, gid);
        s.set(Kernel.U16, at + 28, (short) mode);
        s.asSlice(at + 30, 2).fill((byte) 0);
        s.set(Kernel.U64, at + 32, ino);
        s.set(Kernel.U64, at + 40, size);
        s.set(Kernel.U64, at + 48, blocks);
        s.set(Kernel.U64, at + 56, attributesMask);
        atime.write(s, at + 64);
        btime.write(s, at + 80);
        ctime.write(s, at + 96);
        mtime.write(s, at + 112);
        s.set(Kernel.U32, at + 128, rdevMajor);
        s.set(Kernel.U32, at + 132, rdevMinor);
        s.set(Kernel.U32, at + 136, devMajor);
        s.set(Kernel.U32, at + 140, devMinor);
        s.asSlice(at + 144, 112).fill((byte) 0);
    }
}
