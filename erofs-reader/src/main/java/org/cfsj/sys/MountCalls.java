package org.cfsj.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * {@code mount(2)} and {@code umount2(2)}. A failure's message names the whole request the way
 * the {@code mount} and {@code umount} commands would be written
 * ({@code "mount -t erofs image /mnt: No such device"}).
 */
public final class MountCalls {
    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;

    public static final int MNT_FORCE = 1;
    public static final int MNT_DETACH = 2;
    public static final int UMOUNT_NOFOLLOW = 8;

    private static final MethodHandle MOUNT = Native.withErrno("mount",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    private static final MethodHandle UMOUNT2 = Native.withErrno("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));

    private MountCalls() {}

    /** {@code mount(2)}; {@code data} (the {@code -o} options) may be null. */
    public static void mount(String source, String target, String fstype, long flags, String data) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = Native.cString(arena, source);
            MemorySegment dst = Native.cString(arena, target);
            MemorySegment type = Native.cString(arena, fstype);
            MemorySegment options = data == null ? MemorySegment.NULL : Native.cString(arena, data);
            Native.once("mount", "mount -t " + fstype + " " + source + " " + target,
                    st -> (int) MOUNT.invokeExact(st, src, dst, type, flags, options));
        }
    }

    /** {@code umount2(2)} with {@code flags} ({@link #MNT_DETACH}, ...). */
    public static void umount2(String target, int flags) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dst = Native.cString(arena, target);
            Native.once("umount2", "umount " + target, st -> (int) UMOUNT2.invokeExact(st, dst, flags));
        }
    }
}
