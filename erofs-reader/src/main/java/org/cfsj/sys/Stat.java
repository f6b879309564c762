package org.cfsj.sys;

/**
 * The fields of {@code struct statx} that describe an inode (what {@code lstat} reports).
 * Unsigned kernel values are kept as raw bits: {@code uid}/{@code gid} as int, the rest widened.
 *
 * @param mode st_mode: type bits and permission bits
 * @param ctimeSec st_ctime: changes with every change to the inode or its data, and unlike mtime it
 *     cannot be set by utimensat(2)
 */
public record Stat(
        int mode,
        int uid,
        int gid,
        long nlink,
        long ino,
        int devMajor,
        int devMinor,
        int rdevMajor,
        int rdevMinor,
        long size,
        long mtimeSec,
        int mtimeNsec,
        long ctimeSec,
        int ctimeNsec) {

    public static final int S_IFMT = 0170000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFLNK = 0120000;

    public int type() {
        return mode & S_IFMT;
    }

    public boolean isDirectory() {
        return type() == S_IFDIR;
    }

    /** st_rdev in glibc's {@code makedev} encoding (what {@code stat(2)} returns on Linux). */
    public long rdev() {
        return makedev(rdevMajor, rdevMinor);
    }

    /** st_dev in glibc's {@code makedev} encoding. */
    public long dev() {
        return makedev(devMajor, devMinor);
    }

    public static long makedev(int major, int minor) {
        long ma = Integer.toUnsignedLong(major);
        long mi = Integer.toUnsignedLong(minor);
        return ((ma & 0xfffff000L) << 32) | ((ma & 0xfffL) << 8) | ((mi & 0xffffff00L) << 12) | (mi & 0xffL);
    }
}
