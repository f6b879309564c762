package org.cfsj.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cfsj.sys.Errno;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.FilesystemContext;
import org.cfsj.sys.StatCalls;
import org.cfsj.sys.SysException;

/**
 * Mounts a composefs image with the kernel, as {@code mount.composefs} does, with the new mount
 * API: the EROFS image file-backed (no loop device), then overlayfs with the EROFS mount as the
 * metadata layer and the object directory as a data-only layer
 * ({@code ro,metacopy=on,redirect_dir=on,lowerdir+=EROFS,datadir+=OBJECTS[,verity=require]}).
 * Both are detached mounts: the EROFS one is never attached anywhere (overlayfs holds its own
 * reference, and the fd is closed right after), and the overlay is attached by the caller
 * ({@link #detached}) or here ({@link #mount}), so the one visible mount is the overlay.
 *
 * <p>The image file is opened once and checked (a regular file); the EROFS source is that open
 * file ({@code /proc/self/fd/N}), so the file checked is the file mounted, whatever happens to
 * the path meanwhile. Layers are named by fd path the same way.
 *
 * <p>An image is untrusted input: its setuid files and device nodes must not give anyone
 * privileges on the host. The EROFS mount is always {@code nosuid,nodev}, and so is the overlay
 * unless the caller asks for {@code suid,dev} for a container root filesystem that no other user
 * can reach.
 *
 * <p>An instance is the live overlay at a mount point; {@link #close()} unmounts it. Callers that
 * leave the mount behind (the {@code cfsj oci mount} command) drop the instance; {@link Unmount}
 * removes it later.
 */
public final class KernelComposefsMount implements AutoCloseable {
    private final Path mountpoint;
    private boolean mounted = true;

    private KernelComposefsMount(Path mountpoint) {
        this.mountpoint = mountpoint;
    }

    /**
     * Mounts {@code image} (a composefs EROFS image file) at {@code mountpoint}, file data from
     * {@code objectsDir}, with {@link MountOptions#requireVerity} and
     * {@link MountOptions#allowSuidDev} as described there (the FUSE options do not apply).
     */
    public static KernelComposefsMount mount(Path image, Path objectsDir, Path mountpoint, MountOptions options)
            throws IOException {
        Path target = mountpoint.toRealPath();
        if (!Files.isDirectory(target)) {
            throw new IOException(mountpoint + ": not a directory");
        }
        int overlay = detached(image, objectsDir, options);
        try {
            FilesystemContext.moveMount(overlay, FileCalls.AT_FDCWD, target.toString());
        } catch (SysException e) {
            throw new IOException("attaching the composefs mount at " + target + ": " + e.getMessage(), e);
        } finally {
            FileCalls.close(overlay); // an fd on the attached mount would keep it busy for umount
        }
        return new KernelComposefsMount(target);
    }

    /**
     * A detached composefs mount of {@code image} (see {@link #mount} for the arguments), which
     * the caller owns and attaches with move_mount(2) wherever it wants, in any mount namespace.
     */
    public static int detached(Path image, Path objectsDir, MountOptions options) throws IOException {
        int imageFd = openImage(image);
        try {
            int objectsFd = FileCalls.open(objectsDir.toString(),
                    FileCalls.O_PATH | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, 0);
            try {
                int erofs = erofs(imageFd);
                try {
                    return overlay(erofs, objectsFd, options);
                } finally {
                    FileCalls.close(erofs);
                }
            } finally {
                FileCalls.close(objectsFd);
            }
        } catch (SysException e) {
            throw failure(e);
        } finally {
            FileCalls.close(imageFd);
        }
    }

    /** The image, opened once: a regular file (the kernel would also take a block device). */
    private static int openImage(Path image) throws IOException {
        int fd = FileCalls.open(image.toString(), FileCalls.O_RDONLY | FileCalls.O_CLOEXEC, 0);
        try {
            if (StatCalls.fstat(fd, image.toString()).type() != org.cfsj.sys.Stat.S_IFREG) {
                throw new IOException(image + ": not a regular file");
            }
            return fd;
        } catch (IOException | RuntimeException e) {
            FileCalls.close(fd);
            throw e;
        }
    }

    /** The EROFS mount of the open image file, read-only, nosuid, nodev, never attached. */
    private static int erofs(int imageFd) throws SysException {
        try (FilesystemContext ctx = FilesystemContext.open("erofs")) {
            return ctx.set("source", FilesystemContext.fdPath(imageFd)).create()
                    .mount(FilesystemContext.MOUNT_ATTR_RDONLY | FilesystemContext.MOUNT_ATTR_NOSUID
                            | FilesystemContext.MOUNT_ATTR_NODEV);
        }
    }

    /** The overlay: EROFS as metadata layer, objects as data-only layer. */
    private static int overlay(int erofs, int objectsFd, MountOptions options) throws SysException {
        long attributes = FilesystemContext.MOUNT_ATTR_RDONLY
                | (options.allowSuidDev() ? 0 : FilesystemContext.MOUNT_ATTR_NOSUID | FilesystemContext.MOUNT_ATTR_NODEV);
        try (FilesystemContext ctx = FilesystemContext.open("overlay")) {
            ctx.set("source", "composefs").set("metacopy", "on").set("redirect_dir", "on")
                    .set("lowerdir+", FilesystemContext.fdPath(erofs))
                    .set("datadir+", FilesystemContext.fdPath(objectsFd));
            if (options.requireVerity()) {
                ctx.set("verity", "require");
            }
            return ctx.create().mount(attributes);
        }
    }

    /** A failed call, with a hint for the likely causes. */
    private static IOException failure(SysException e) {
        return new IOException(e.getMessage()
                + (e.errno() == Errno.EPERM ? " (mounting needs root)" : "")
                + (e.errno() == Errno.EINVAL ? " (does the kernel support file-backed EROFS and overlayfs data-only layers?)" : ""),
                e);
    }

    /** Where the overlay is mounted (a real path). */
    public Path mountpoint() {
        return mountpoint;
    }

    /**
     * Unmounts the overlay. If it is busy (a reader still has a file open), it is detached all
     * the same, so nothing stays mounted, and the failure is still reported.
     */
    @Override
    public void close() throws IOException {
        if (!mounted) {
            return;
        }
        mounted = false;
        try {
            Unmount.unmountKernel(mountpoint, false);
        } catch (IOException busy) {
            Unmount.unmountKernel(mountpoint, true);
            throw busy;
        }
    }
}
