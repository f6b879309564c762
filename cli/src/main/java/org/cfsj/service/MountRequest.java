package org.cfsj.service;

/**
 * What a client asked a {@code Mount} or {@code OciMount} to make, from cfsctl's
 * {@code MountParams} and cfsj's optional extras.
 *
 * @param overlay       a writable overlayfs on top of the image, with the upper and work
 *                      directories the client passed
 * @param readWrite     mounted read-write (meaningful with {@code overlay})
 * @param backend       who serves the image
 * @param passthrough   FUSE passthrough (the kernel reads file data from the objects itself)
 * @param requireVerity refuse unless the objects are protected by kernel fs-verity
 * @param insecure      a kernel mount although the objects have no kernel fs-verity (the kernel
 *                      then cannot notice a changed object); with FUSE: skip the server's checks
 * @param allowSuidDev  the mount handed out honours setuid bits and device nodes (a container's
 *                      root that only its caller can reach; root callers only); other mounts of
 *                      the image stay {@code nosuid,nodev}
 */
public record MountRequest(boolean overlay, boolean readWrite, Backend backend, boolean passthrough,
        boolean requireVerity, boolean insecure, boolean allowSuidDev) {
    /** This request with {@code backend} in place of its own. */
    public MountRequest with(Backend other) {
        return new MountRequest(overlay, readWrite, other, passthrough, requireVerity, insecure, allowSuidDev);
    }

    /** Who serves the image: cfsj's default choice, cfsj's FUSE server, or the kernel's erofs and overlayfs. */
    public enum Backend { DEFAULT, FUSE, KERNEL }
}
