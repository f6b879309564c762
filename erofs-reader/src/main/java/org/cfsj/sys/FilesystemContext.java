package org.cfsj.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * The new mount API (Linux 5.2+): a filesystem context opened with {@code fsopen(2)}, configured
 * with {@code fsconfig(2)}, made into a superblock and a <em>detached</em> mount with
 * {@code fsmount(2)}; the mount fd is attached anywhere, in any mount namespace, with
 * {@link #moveMount}, or cloned with {@link #cloneMount} ({@code open_tree(2)}).
 *
 * <p>Why this and not {@code mount(2)}: nothing is ever visible at a path until the caller
 * attaches it, sources and layers can be named by fd ({@code /proc/self/fd/N}) so a checked file
 * is the file mounted, and a detached mount can be handed to another process over a socket.
 *
 * <p>An instance owns the context fd. Failures carry the kernel's own message from the context's
 * log (e.g. "overlayfs: failed to resolve ..."), which says far more than the errno.
 */
public final class FilesystemContext implements AutoCloseable {
    public static final int FSOPEN_CLOEXEC = 1;
    public static final int FSCONFIG_SET_FLAG = 0;
    public static final int FSCONFIG_SET_STRING = 1;
    public static final int FSCONFIG_SET_FD = 5;
    public static final int FSCONFIG_CMD_CREATE = 6;
    public static final int FSMOUNT_CLOEXEC = 1;
    public static final long MOUNT_ATTR_RDONLY = 0x1;
    public static final long MOUNT_ATTR_NOSUID = 0x2;
    public static final long MOUNT_ATTR_NODEV = 0x4;
    public static final int MOVE_MOUNT_F_EMPTY_PATH = 0x4;
    public static final int OPEN_TREE_CLONE = 1;
    public static final int OPEN_TREE_CLOEXEC = FileCalls.O_CLOEXEC;
    public static final int AT_RECURSIVE = 0x8000;
    static final long MOUNT_ATTR_SIZE = 32;

    /** The longest kernel log message read back (the kernel caps one at 256 bytes). */
    private static final int LOG_MESSAGE_MAX = 1024;

    private static final MethodHandle FSOPEN = Native.withErrno("fsopen", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle FSCONFIG = Native.withErrno("fsconfig",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle FSMOUNT = Native.withErrno("fsmount",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MOVE_MOUNT = Native.withErrno("move_mount",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle OPEN_TREE = Native.withErrno("open_tree",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MOUNT_SETATTR = Native.withErrno("mount_setattr",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, java.lang.foreign.ValueLayout.JAVA_LONG));

    private final String type;
    private int fd;

    private FilesystemContext(String type, int fd) {
        this.type = type;
        this.fd = fd;
    }

    /** {@code fsopen(2)} of filesystem type {@code type} ("erofs", "overlay", "fuse", ...). */
    public static FilesystemContext open(String type) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = Native.cString(arena, type);
            int fd = (int) Native.once("fsopen", "fsopen " + type, st -> (int) FSOPEN.invokeExact(st, name, FSOPEN_CLOEXEC));
            return new FilesystemContext(type, fd);
        }
    }

    /** A string option ({@code key=value}). */
    public FilesystemContext set(String key, String value) throws SysException {
        configure(FSCONFIG_SET_STRING, key, value, 0, key + "=" + value);
        return this;
    }

    /** A flag option ({@code key} alone, e.g. "allow_other"). */
    public FilesystemContext flag(String key) throws SysException {
        configure(FSCONFIG_SET_FLAG, key, null, 0, key);
        return this;
    }

    /** An option whose value is an open fd (the kernel takes its own reference). */
    public FilesystemContext setFd(String key, int valueFd) throws SysException {
        configure(FSCONFIG_SET_FD, key, null, valueFd, key + "=fd " + valueFd);
        return this;
    }

    /** Creates the superblock from the options set so far ({@code FSCONFIG_CMD_CREATE}). */
    public FilesystemContext create() throws SysException {
        configure(FSCONFIG_CMD_CREATE, null, null, 0, "create");
        return this;
    }

    /**
     * {@code fsmount(2)}: a detached mount of the created superblock with mount attributes
     * {@code attributes} ({@link #MOUNT_ATTR_RDONLY}, ...); the caller owns the returned fd.
     */
    public int mount(long attributes) throws SysException {
        int ctx = fd;
        int flags = FSMOUNT_CLOEXEC;
        int attrs = (int) attributes;
        try {
            return (int) Native.once("fsmount", "fsmount " + type, st -> (int) FSMOUNT.invokeExact(st, ctx, flags, attrs));
        } catch (SysException e) {
            throw withKernelLog(e);
        }
    }

    private void configure(int command, String key, String value, int aux, String what) throws SysException {
        int ctx = fd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment k = key == null ? MemorySegment.NULL : Native.cString(arena, key);
            MemorySegment v = value == null ? MemorySegment.NULL : Native.cString(arena, value);
            Native.once("fsconfig", type + " " + what, st -> (int) FSCONFIG.invokeExact(st, ctx, command, k, v, aux));
        } catch (SysException e) {
            throw withKernelLog(e);
        }
    }

    /** The failure with the messages the kernel logged in this context appended (the log is emptied). */
    private SysException withKernelLog(SysException e) {
        StringBuilder log = new StringBuilder();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(LOG_MESSAGE_MAX);
            for (int i = 0; i < 16; i++) { // the kernel keeps at most 8 messages per context
                long n;
                try {
                    n = Io.read(fd, buf, LOG_MESSAGE_MAX);
                } catch (SysException empty) {
                    break; // ENODATA: nothing more logged
                }
                if (n <= 2) {
                    break;
                }
                // each message is "e text", "w text" or "i text"
                String line = new String(buf.asSlice(2, n - 2).toArray(JAVA_BYTE),
                        StandardCharsets.UTF_8).strip();
                log.append(log.isEmpty() ? " (kernel: " : "; ").append(line);
            }
        }
        if (log.isEmpty()) {
            return e;
        }
        return new SysException(e.call(), e.getMessage() + log + ")", e.errno(), true);
    }

    @Override
    public void close() {
        FileCalls.close(fd);
        fd = -1;
    }

    /**
     * {@code move_mount(2)}: attaches the detached mount {@code mountFd} at {@code target}
     * (relative to {@code dirFd}, or absolute with {@link FileCalls#AT_FDCWD}).
     */
    public static void moveMount(int mountFd, int dirFd, String target) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment empty = Native.cString(arena, "");
            MemorySegment to = Native.cString(arena, target);
            Native.once("move_mount", "move_mount to " + target,
                    st -> (int) MOVE_MOUNT.invokeExact(st, mountFd, empty, dirFd, to, MOVE_MOUNT_F_EMPTY_PATH));
        }
    }

    /**
     * {@code open_tree(2)} with {@code OPEN_TREE_CLONE}: a new detached mount of the same
     * superblock as the mount {@code mountFd} (same device, same page cache); the caller owns it.
     */
    public static int cloneMount(int mountFd) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment empty = Native.cString(arena, "");
            int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | FileCalls.AT_EMPTY_PATH | AT_RECURSIVE;
            return (int) Native.once("open_tree", "open_tree of mount fd " + mountFd,
                    st -> (int) OPEN_TREE.invokeExact(st, mountFd, empty, flags));
        }
    }

    /**
     * {@code mount_setattr(2)} on the mount {@code mountFd} alone: sets the attributes
     * {@code set} and clears {@code clear} ({@link #MOUNT_ATTR_NOSUID}, ...). Attributes are per
     * mount, so a clone changed this way leaves the other mounts of its superblock as they are.
     */
    public static void setAttributes(int mountFd, long set, long clear) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment empty = Native.cString(arena, "");
            MemorySegment attr = arena.allocate(MOUNT_ATTR_SIZE, 8);
            attr.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, set);
            attr.set(java.lang.foreign.ValueLayout.JAVA_LONG, 8, clear);
            Native.once("mount_setattr", "mount_setattr of mount fd " + mountFd,
                    st -> (int) MOUNT_SETATTR.invokeExact(st, mountFd, empty, FileCalls.AT_EMPTY_PATH, attr, MOUNT_ATTR_SIZE));
        }
    }

    /** {@code /proc/self/fd/N}: how an fd is named where an option takes a path (overlay layers, sources). */
    public static String fdPath(int fd) {
        return "/proc/self/fd/" + fd;
    }
}
