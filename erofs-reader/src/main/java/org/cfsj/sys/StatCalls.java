package org.cfsj.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code statx(2)}, the one way this package reads inodes: {@code struct statx} has the same
 * layout on every architecture, unlike {@code struct stat} (x86_64 and aarch64 differ).
 */
public final class StatCalls {
    /** STATX_BASIC_STATS: everything {@code stat(2)} reports. */
    static final int STATX_BASIC_STATS = 0x7ff;
    static final long STATX_SIZE = 256;
    // offsetof(struct statx, ...) (include/uapi/linux/stat.h)
    static final long NLINK_OFFSET = 16;
    static final long UID_OFFSET = 20;
    static final long GID_OFFSET = 24;
    static final long MODE_OFFSET = 28;
    static final long INO_OFFSET = 32;
    static final long SIZE_OFFSET = 40;
    static final long CTIME_OFFSET = 96;
    static final long MTIME_OFFSET = 112;
    static final long RDEV_MAJOR_OFFSET = 128;
    static final long RDEV_MINOR_OFFSET = 132;
    static final long DEV_MAJOR_OFFSET = 136;
    static final long DEV_MINOR_OFFSET = 140;
    /** {@code offsetof(struct statx_timestamp, tv_nsec)}. */
    static final long NSEC_OFFSET = 8;

    private static final MethodHandle STATX = Native.withErrno(
            "statx", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));

    private StatCalls() {}

    /** {@code statx(2)} with {@code flags} (e.g. AT_SYMLINK_NOFOLLOW for lstat semantics). */
    public static Stat statx(int dirfd, byte[] name, int flags, String what) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(STATX_SIZE, 8);
            MemorySegment path = Native.cString(arena, name);
            Native.once("statx", what, st -> (int) STATX.invokeExact(st, dirfd, path, flags, STATX_BASIC_STATS, buf));
            return new Stat(
                    Short.toUnsignedInt(buf.get(JAVA_SHORT, MODE_OFFSET)),
                    buf.get(JAVA_INT, UID_OFFSET),
                    buf.get(JAVA_INT, GID_OFFSET),
                    Integer.toUnsignedLong(buf.get(JAVA_INT, NLINK_OFFSET)),
                    buf.get(JAVA_LONG, INO_OFFSET),
                    buf.get(JAVA_INT, DEV_MAJOR_OFFSET),
                    buf.get(JAVA_INT, DEV_MINOR_OFFSET),
                    buf.get(JAVA_INT, RDEV_MAJOR_OFFSET),
                    buf.get(JAVA_INT, RDEV_MINOR_OFFSET),
                    buf.get(JAVA_LONG, SIZE_OFFSET),
                    buf.get(JAVA_LONG, MTIME_OFFSET),
                    buf.get(JAVA_INT, MTIME_OFFSET + NSEC_OFFSET),
                    buf.get(JAVA_LONG, CTIME_OFFSET),
                    buf.get(JAVA_INT, CTIME_OFFSET + NSEC_OFFSET));
        }
    }

    /** {@code fstat(2)}: {@link #statx} of the open file itself. */
    public static Stat fstat(int fd, String what) throws SysException {
        return statx(fd, new byte[0], FileCalls.AT_EMPTY_PATH, what);
    }
}
