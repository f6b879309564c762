package org.cfsj.oci.mount;

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
 */
public final class KernelComposefsMount {
    /** Where the private EROFS mount points live while an overlay is being set up (mode 0700, below the runtime directory). */
    private static final String PRIVATE_MOUNTS = "mnt";

    private KernelComposefsMount() {}

    /**
     * Mounts {@code image} (a composefs EROFS image file) at {@code mountpoint}, file data from
     * {@code objectsDir}.
     *
     * @param requireVerity add {@code verity=require}: overlayfs then refuses any object whose
     *     fs-verity digest is not the one the image names (needs kernel fs-verity on the objects)
     * @param allowSuidDev honour the image's setuid/setgid bits and device nodes on the overlay;
     *     only for a mount point that no other user can reach (a container's root filesystem in
     *     a root-only directory), otherwise {@code nosuid,nodev}
     */
    public static void mount(Path image, Path objectsDir, Path mountpoint, boolean requireVerity, boolean allowSuidDev)
            throws IOException {
        Path target = mountpoint.toRealPath();
        if (!Files.isDirectory(target)) {
            throw new IOException(mountpoint + ": not a directory");
        }
        Path privateMounts = PrivateDirectory.ensure(PrivateDirectory.runtimeDirectory().resolve(PRIVATE_MOUNTS));
        Path lower = Files.createTempDirectory(privateMounts, "erofs-");
        long overlayFlags = MountCalls.MS_RDONLY | (allowSuidDev ? 0 : MountCalls.MS_NOSUID | MountCalls.MS_NODEV);
        try {
            MountCalls.mount(image.toRealPath().toString(), lower.toString(), "erofs",
                    MountCalls.MS_RDONLY | MountCalls.MS_NOSUID | MountCalls.MS_NODEV, "");
            try {
                String options = String.join(",", List.of(
                        "metacopy=on",
                        "redirect_dir=on",
                        "lowerdir=" + escape(lower.toString()) + "::" + escape(objectsDir.toRealPath().toString())))
                        + (requireVerity ? ",verity=require" : "");
                MountCalls.mount("composefs", target.toString(), "overlay", overlayFlags, options);
            } finally {
                MountCalls.umount2(lower.toString(), MountCalls.MNT_DETACH);
            }
        } catch (SysException e) {
            throw new IOException(e.getMessage()
                    + (e.errno() == 1 ? " (mounting needs root)" : "")
                    + (e.errno() == Errno.EINVAL ? " (does the kernel support file-backed EROFS and overlayfs data-only layers?)" : ""), e);
        } finally {
            Files.deleteIfExists(lower);
        }
    }

    /**
     * Unmounts a kernel composefs mount (or any mount) at {@code mountpoint}. With {@code lazy},
     * detaches it even while busy.
     */
    public static void unmount(Path mountpoint, boolean lazy) throws IOException {
        try {
            MountCalls.umount2(mountpoint.toAbsolutePath().normalize().toString(), lazy ? MountCalls.MNT_DETACH : 0);
        } catch (SysException e) {
            throw new IOException(e.getMessage() + (e.errno() == Errno.EINVAL ? " (not a mount point)" : "")
                    + (e.errno() == Errno.EBUSY ? " (in use)" : ""), e);
        }
    }

    /** overlayfs option syntax: ',' separates options and ':' separates layers; both escape with '\'. */
    static String escape(String path) {
        return path.replace("\\", "\\\\").replace(",", "\\,").replace(":", "\\:");
    }
}
