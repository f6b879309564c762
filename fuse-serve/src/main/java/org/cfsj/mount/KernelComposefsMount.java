package org.cfsj.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cfsj.posix.PrivateDirectory;
import org.cfsj.sys.Errno;
import org.cfsj.sys.MountCalls;
import org.cfsj.sys.SysException;

/**
 * Mounts a composefs image with the kernel, the way {@code mount.composefs} does: the EROFS
 * image file-backed (mount(2) with the image file as source; util-linux's {@code mount} would
 * silently set up a loop device) at a private directory, then overlayfs with the image as the
 * metadata layer and the object directory as a data-only layer:
 * {@code ro,metacopy=on,redirect_dir=on,lowerdir=EROFS::OBJECTS[,verity=require]}. The private
 * EROFS mount is detached right after: overlayfs holds its own reference to it, so the one
 * visible mount is the overlay, and unmounting that releases everything.
 *
 * <p>An image is untrusted input: its setuid files and device nodes must not give anyone
 * privileges on the host. The EROFS mount is always {@code nosuid,nodev} (while it is attached,
 * it sits in a random directory under {@code /run/cfsj/mnt}, which only root can enter), and so
 * is the overlay unless the caller asks for {@code suid,dev} for a container root filesystem that
 * no other user can reach.
 *
 * <p>An instance is the live overlay; {@link #close()} unmounts it. Callers that leave the mount
 * behind (the {@code cfsj oci mount} command) drop the instance; {@link Unmount} removes it later.
 */
public final class KernelComposefsMount implements AutoCloseable {
    /** Where the private EROFS mount points live while an overlay is being set up (mode 0700, below the runtime directory). */
    private static final String PRIVATE_MOUNTS = "mnt";

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
        Path privateMounts = PrivateDirectory.ensure(PrivateDirectory.runtimeDirectory().resolve(PRIVATE_MOUNTS));
        Path lower = Files.createTempDirectory(privateMounts, "erofs-");
        long overlayFlags = MountCalls.MS_RDONLY | (options.allowSuidDev() ? 0 : MountCalls.MS_NOSUID | MountCalls.MS_NODEV);
        try {
            mount(image.toRealPath().toString(), lower.toString(), "erofs", MountCalls.MS_RDONLY | MountCalls.MS_NOSUID | MountCalls.MS_NODEV, "");
            try {
                String data = String.join(",", List.of(
                        "metacopy=on",
                        "redirect_dir=on",
                        "lowerdir=" + escape(lower.toString()) + "::" + escape(objectsDir.toRealPath().toString())))
                        + (options.requireVerity() ? ",verity=require" : "");
                mount("composefs", target.toString(), "overlay", overlayFlags, data);
            } finally {
                MountCalls.umount2(lower.toString(), MountCalls.MNT_DETACH);
            }
        } finally {
            Files.deleteIfExists(lower);
        }
        return new KernelComposefsMount(target);
    }

    /** mount(2), its failure ({@code mount -t TYPE SOURCE TARGET: error}) with a hint for the likely causes. */
    private static void mount(String source, String target, String fstype, long flags, String data) throws IOException {
        try {
            MountCalls.mount(source, target, fstype, flags, data);
        } catch (SysException e) {
            throw new IOException(e.getMessage()
                    + (e.errno() == Errno.EPERM ? " (mounting needs root)" : "")
                    + (e.errno() == Errno.EINVAL ? " (does the kernel support file-backed EROFS and overlayfs data-only layers?)" : ""),
                    e);
        }
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

    /** overlayfs option syntax: ',' separates options and ':' separates layers; both escape with '\'. */
    static String escape(String path) {
        return path.replace("\\", "\\\\").replace(",", "\\,").replace(":", "\\:");
    }
}
