package org.cfsj.tree;

/**
 * One inode of a filesystem tree. A hardlink is the same {@code Node} object reachable under
 * several names, so identity (not equality) is what makes two entries "the same file".
 *
 * <p>The kinds mirror the POSIX file types; {@link #typeBits()} is the {@code S_IFMT} part of
 * {@code st_mode} and {@link Metadata#permissions()} the rest.
 */
public sealed interface Node permits Directory, RegularFile, Symlink, Device, Fifo, Socket {
    int S_IFMT = 0170000;
    int S_IFSOCK = 0140000;
    int S_IFLNK = 0120000;
    int S_IFREG = 0100000;
    int S_IFBLK = 0060000;
    int S_IFDIR = 0040000;
    int S_IFCHR = 0020000;
    int S_IFIFO = 0010000;

    Metadata meta();

    void setMeta(Metadata meta);

    int typeBits();

    /** Full {@code st_mode}: file type bits and permission bits. */
    default int mode() {
        return typeBits() | meta().permissions();
    }

    /** Whether a mode's type bits name a file type composefs accepts. */
    static boolean validType(int mode) {
        return switch (mode & S_IFMT) {
            case S_IFREG, S_IFDIR, S_IFLNK, S_IFBLK, S_IFCHR, S_IFSOCK, S_IFIFO -> true;
            default -> false;
        };
    }
}
