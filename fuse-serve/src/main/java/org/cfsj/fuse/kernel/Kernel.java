package org.cfsj.fuse.kernel;

import java.lang.foreign.ValueLayout;

/**
 * Protocol constants of include/uapi/linux/fuse.h (libfuse's fuse_kernel.h, protocol 7.45):
 * version, INIT flags, open flags, device ioctls, record alignment.
 */
public final class Kernel {
    /** Host byte order, unaligned-safe: the kernel writes structs in host order. */
    public static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;
    public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED;
    public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    public static final int KERNEL_VERSION = 7;
    public static final int KERNEL_MINOR_VERSION = 45;
    /** The oldest minor this server speaks: 7.31 (Linux 5.4) has everything the core needs. */
    public static final int MIN_MINOR_VERSION = 31;
    public static final long ROOT_ID = 1;
    /** The kernel refuses reads of /dev/fuse into smaller buffers. */
    public static final int MIN_READ_BUFFER = 8192;

    // INIT flags; bits 32..63 travel in fuse_init_in/out.flags2 (needs INIT_EXT)
    public static final long ASYNC_READ = 1L << 0;
    public static final long POSIX_LOCKS = 1L << 1;
    public static final long ATOMIC_O_TRUNC = 1L << 3;
    public static final long EXPORT_SUPPORT = 1L << 4;
    public static final long BIG_WRITES = 1L << 5;
    public static final long DONT_MASK = 1L << 6;
    public static final long SPLICE_WRITE = 1L << 7;
    public static final long SPLICE_MOVE = 1L << 8;
    public static final long SPLICE_READ = 1L << 9;
    public static final long FLOCK_LOCKS = 1L << 10;
    public static final long AUTO_INVAL_DATA = 1L << 12;
    public static final long DO_READDIRPLUS = 1L << 13;
    public static final long READDIRPLUS_AUTO = 1L << 14;
    public static final long ASYNC_DIO = 1L << 15;
    public static final long WRITEBACK_CACHE = 1L << 16;
    public static final long NO_OPEN_SUPPORT = 1L << 17;
    public static final long PARALLEL_DIROPS = 1L << 18;
    public static final long POSIX_ACL = 1L << 20;
    public static final long ABORT_ERROR = 1L << 21;
    public static final long MAX_PAGES = 1L << 22;
    public static final long CACHE_SYMLINKS = 1L << 23;
    public static final long NO_OPENDIR_SUPPORT = 1L << 24;
    public static final long INIT_EXT = 1L << 30;
    public static final long PASSTHROUGH = 1L << 37;
    public static final long NO_EXPORT_SUPPORT = 1L << 38;
    /** Requests travel over io_uring once the server has registered ring entries for every CPU. */
    public static final long OVER_IO_URING = 1L << 41;

    // fuse_open_out.open_flags
    public static final int FOPEN_DIRECT_IO = 1 << 0;
    public static final int FOPEN_KEEP_CACHE = 1 << 1;
    public static final int FOPEN_NONSEEKABLE = 1 << 2;
    public static final int FOPEN_CACHE_DIR = 1 << 3;
    public static final int FOPEN_STREAM = 1 << 4;
    public static final int FOPEN_NOFLUSH = 1 << 5;
    public static final int FOPEN_PASSTHROUGH = 1 << 7;

    // enum fuse_notify_code: a notification is an out header with unique 0 and this code as error
    public static final int NOTIFY_STORE = 4;

    // device ioctls (asm-generic _IOR/_IOW encoding, used by x86_64 and aarch64)
    private static final int IOC_MAGIC = 229;
    public static final long DEV_IOC_CLONE = ioc(2, IOC_MAGIC, 0, 4);
    public static final long DEV_IOC_BACKING_OPEN = ioc(1, IOC_MAGIC, 1, BackingMap.SIZE);
    public static final long DEV_IOC_BACKING_CLOSE = ioc(1, IOC_MAGIC, 2, 4);

    private Kernel() {}

    /** _IOC(dir, type, nr, size): dir 1 = write (user to kernel), 2 = read. */
    static long ioc(int dir, int type, int nr, int size) {
        return ((long) dir << 30) | ((long) size << 16) | ((long) type << 8) | nr;
    }

    /** FUSE_REC_ALIGN: dirent records are padded to 8 bytes. */
    public static int align8(int n) {
        return (n + 7) & ~7;
    }

    /** Size of a READDIR record with a name of {@code nameLength} bytes. */
    public static int direntSize(int nameLength) {
        return align8(DirentHeader.SIZE + nameLength);
    }

    /** Size of a READDIRPLUS record (entry_out, then the dirent) with a name of {@code nameLength} bytes. */
    public static int direntPlusSize(int nameLength) {
        return align8(EntryOut.SIZE + DirentHeader.SIZE + nameLength);
    }
}
