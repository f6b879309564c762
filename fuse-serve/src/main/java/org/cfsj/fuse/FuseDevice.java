package org.cfsj.fuse;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cfsj.fuse.kernel.BackingMap;
import org.cfsj.fuse.kernel.Kernel;
import org.cfsj.sys.Errno;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.Ioctl;
import org.cfsj.sys.SysException;

/** The /dev/fuse character device: opening it, cloning connections, passthrough backing files. */
public final class FuseDevice {
    public static final Path PATH = Path.of("/dev/fuse");

    private FuseDevice() {}

    /** Opens /dev/fuse, with an error message that says what is wrong. */
    public static int open() throws IOException {
        if (!Files.exists(PATH)) {
            throw new IOException(PATH + " does not exist: the fuse kernel module is not loaded (modprobe fuse)"
                    + " or this container has no access to the device");
        }
        try {
            return FileCalls.open(PATH.toString(), FileCalls.O_RDWR | FileCalls.O_CLOEXEC, 0);
        } catch (SysException e) {
            if (e.errno() == Errno.EACCES || e.errno() == Errno.EPERM) {
                throw new IOException(PATH + ": permission denied (need root, or read-write access to the device)", e);
            }
            throw e;
        }
    }

    /**
     * A new fd attached to the same connection as {@code sessionFd} (FUSE_DEV_IOC_CLONE): each
     * worker reads its own fd, so the kernel can queue requests per fd and the workers do not
     * contend on one wait queue. Replies must go to the fd the request came from.
     */
    public static int cloneFd(int sessionFd) throws IOException {
        int fd = open();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment arg = arena.allocate(ValueLayout.JAVA_INT);
            arg.set(ValueLayout.JAVA_INT, 0, sessionFd);
            Ioctl.ioctl(fd, Kernel.DEV_IOC_CLONE, arg, "FUSE_DEV_IOC_CLONE");
            return fd;
        } catch (IOException | RuntimeException e) {
            FileCalls.close(fd);
            throw e;
        }
    }

    /** Registers {@code fd} as a passthrough backing file (FUSE_DEV_IOC_BACKING_OPEN); returns the backing id. */
    public static int openBacking(int sessionFd, int fd) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment map = arena.allocate(BackingMap.SIZE, 8);
            new BackingMap(fd, 0, 0).write(map, 0);
            return Ioctl.ioctl(sessionFd, Kernel.DEV_IOC_BACKING_OPEN, map, "FUSE_DEV_IOC_BACKING_OPEN");
        }
    }

    /** Releases a backing id (FUSE_DEV_IOC_BACKING_CLOSE). */
    public static void closeBacking(int sessionFd, int backingId) throws SysException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment arg = arena.allocate(ValueLayout.JAVA_INT);
            arg.set(ValueLayout.JAVA_INT, 0, backingId);
            Ioctl.ioctl(sessionFd, Kernel.DEV_IOC_BACKING_CLOSE, arg, "FUSE_DEV_IOC_BACKING_CLOSE");
        }
    }
}
