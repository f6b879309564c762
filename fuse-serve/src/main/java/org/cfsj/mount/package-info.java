/**
 * Mounting a composefs image, for the CLI and any other front end: given the image file, the
 * object directory, a mount point and {@link org.cfsj.mount.MountOptions}, mount it
 * <ul>
 *   <li>with the kernel (EROFS + overlayfs): {@link org.cfsj.mount.KernelComposefsMount#mount},
 *   <li>with a FUSE server in this process: {@link org.cfsj.mount.ComposefsServer#start}, then
 *       go on or {@link org.cfsj.mount.ComposefsServer#serveUntilUnmounted},
 *   <li>with a detached FUSE server process: {@link org.cfsj.mount.BackgroundServer#start},
 * </ul>
 * and unmount any of them with {@link org.cfsj.mount.Unmount#unmount}. Repository names are
 * resolved by the caller; this package knows files and directories only.
 *
 * <p>Every mount is {@code nosuid,nodev} unless the caller asks for {@code allowSuidDev}, which
 * is only for a mount point no other user can reach; state on disk (a background server's log)
 * lives in the user's private runtime directory.
 *
 * <p>For a long-lived service (root), {@link org.cfsj.mount.ImageServers} gives out detached
 * mounts (a kernel mount from {@link org.cfsj.mount.KernelComposefsMount#detached}, or a clone
 * of one shared FUSE server per image) that the caller attaches where it wants.
 */
package org.cfsj.mount;
