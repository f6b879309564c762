package org.cfsj.fuse.fs;

/**
 * What stat(2) shows for a node.
 *
 * @param ino     inode number (shown as st_ino)
 * @param mode    st_mode: file type and permission bits
 * @param rdev    device number in the kernel's new_encode_dev format
 * @param blocks  512-byte blocks
 * @param blksize preferred I/O size
 */
public record Attributes(
        long ino,
        int mode,
        int nlink,
        int uid,
        int gid,
        int rdev,
        long size,
        long blocks,
        int blksize,
        long atimeSec,
        int atimeNsec,
        long mtimeSec,
        int mtimeNsec,
        long ctimeSec,
        int ctimeNsec) {
    public static final int S_IFMT = 0170000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFCHR = 0020000;

    public int type() {
        return mode & S_IFMT;
    }
}
