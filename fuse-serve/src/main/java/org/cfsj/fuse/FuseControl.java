package org.cfsj.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.FilesystemContext;
import org.cfsj.sys.Io;
import org.cfsj.sys.SysException;

/**
 * The FUSE control filesystem ({@code fusectl}): aborting a connection, which the kernel does at
 * once — every request waiting for the server and every later one fails with ENOTCONN, and the
 * server's blocked reads of /dev/fuse return ENODEV. That is how a server stops a filesystem
 * whose mounts it does not own (clones attached by others), where unmounting is not possible.
 *
 * <p>fusectl is mounted privately for each abort (a detached mount of its single superblock,
 * closed right after), so nothing depends on, or changes, {@code /sys/fs/fuse/connections}.
 * Root only.
 */
public final class FuseControl {
    private FuseControl() {}

    /** Aborts the FUSE connection of the superblock on {@code device}. */
    public static void abort(DeviceId device) throws IOException {
        int mountFd;
        try (FilesystemContext ctx = FilesystemContext.open("fusectl")) {
            mountFd = ctx.create().mount(0);
        } catch (SysException e) {
            throw new IOException("cannot mount the FUSE control filesystem: " + e.getMessage(), e);
        }
        try {
            String name = Long.toUnsignedString(device.kernelDev()) + "/abort";
            int fd = FileCalls.openat(mountFd, name.getBytes(StandardCharsets.US_ASCII),
                    FileCalls.O_WRONLY | FileCalls.O_CLOEXEC, "fusectl " + name);
            try {
                Io.writeFully(fd, new byte[] {'1'}, "fusectl " + name);
            } finally {
                FileCalls.close(fd);
            }
        } finally {
            FileCalls.close(mountFd);
        }
    }
}
