package org.cfsj.mount;

import java.io.IOException;
import java.nio.file.Path;
import org.cfsj.sys.Errno;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.FilesystemContext;
import org.cfsj.sys.MountCalls;
import org.cfsj.sys.Stat;
import org.cfsj.sys.StatCalls;
import org.cfsj.sys.SysException;

/**
 * A writable overlayfs on top of a read-only image mount (the kernel composefs mount or a cfsj
 * FUSE mount): reads come from the image, every change goes to the upper directory, the image
 * stays as it is. Made with the new mount API as a <em>detached</em> mount, so the caller (or the
 * client of the service that asked for it) attaches it where it wants with
 * {@link FilesystemContext#moveMount}.
 *
 * <p>Layers are named by fd ({@link FilesystemContext#fdPath}), never by a path that could be
 * swapped: the fds may come from another process over a socket. The overlay options, and why:
 * <ul>
 * <li>{@code index=off}: the index binds an upper to the lower's file handles and UUID; the
 *     kernel composefs mount (itself an overlay) has no file handles and the kernel would fall
 *     back with a warning, and over FUSE it would decode handles through the server. Off, an
 *     upper may also be reused on a newer image.</li>
 * <li>{@code metacopy=off}: an image is untrusted input, and through a nested overlay its escaped
 *     {@code trusted.overlay.overlay.*} xattrs reach this overlay as {@code trusted.overlay.*};
 *     the kernel's overlayfs documentation says not to use metacopy with untrusted layers. Off,
 *     the kernel refuses to follow a lower metacopy xattr (EPERM) instead of redirecting data.</li>
 * <li>{@code redirect_dir=on}: renaming an image directory works (it fails with EXDEV without
 *     it). Safe here: the one lower layer has nothing below it for a crafted redirect to reach,
 *     and the upper is the caller's (trusted.* xattrs need CAP_SYS_ADMIN).</li>
 * <li>{@code xino=off}: the layers are on different filesystems; xino would give every inode
 *     number the high bit, which 32-bit programs cannot stat (EOVERFLOW). Without it a file's
 *     st_dev is overlayfs's own device number for its layer (not the lower filesystem's), as
 *     with podman on kernels without xino.</li>
 * <li>{@code volatile} only for a throw-away upper: no syncs to a directory that is removed
 *     afterwards (the kernel refuses to mount such an upper again).</li>
 * </ul>
 * The mount is read-write (unless {@link Options#readOnly}) and {@code nosuid,nodev} unless the
 * caller allows setuid files and device nodes (a container root only root can reach).
 */
public final class WritableOverlay {
    /** What the overlay's mount shows as its source in /proc/self/mountinfo. */
    public static final String SOURCE = "cfsj-writable";

    /**
     * How the overlay is mounted.
     *
     * @param allowSuidDev honour setuid files and device nodes (only where no other user can reach the mount)
     * @param throwAwayUpper the upper is removed once the overlay is unmounted: mount it
     *     {@code volatile} (no syncs of the upper; the kernel refuses to mount such an upper again)
     * @param readOnly a read-only mount (cfsctl's {@code read_write: false}); the overlay itself
     *     still has its upper, so a later read-write mount attribute makes it writable
     */
    public record Options(boolean allowSuidDev, boolean throwAwayUpper, boolean readOnly) {
        /** Read-write, with an upper that is kept. */
        public static Options writable(boolean allowSuidDev) {
            return new Options(allowSuidDev, false, false);
        }
    }

    private WritableOverlay() {}

    /**
     * A detached writable overlay of the directory {@code lowerFd} (an image mount's root: an
     * O_PATH or O_DIRECTORY fd, or a mount fd) with changes going to {@code upperFd}, using
     * {@code workFd} (an empty directory on the same filesystem as the upper) as the kernel's
     * work directory. The caller keeps its fds and owns the returned mount fd.
     *
     * @param allowSuidDev honour setuid files and device nodes (only where no other user can reach the mount)
     */
    public static int detached(int lowerFd, int upperFd, int workFd, boolean allowSuidDev) throws IOException {
        return detached(lowerFd, upperFd, workFd, Options.writable(allowSuidDev));
    }

    /** {@link #detached(int, int, int, boolean)} with all of {@link Options}. */
    public static int detached(int lowerFd, int upperFd, int workFd, Options options) throws IOException {
        directory(lowerFd, "the lower layer");
        Stat upper = directory(upperFd, "the upper directory");
        Stat work = directory(workFd, "the work directory");
        if (upper.dev() != work.dev()) {
            throw new IOException("the upper and work directories are on different filesystems (devices "
                    + upper.devMajor() + ":" + upper.devMinor() + " and " + work.devMajor() + ":" + work.devMinor()
                    + "); overlayfs needs both on one");
        }
        try (FilesystemContext ctx = FilesystemContext.open("overlay")) {
            ctx.set("source", SOURCE)
                    .set("lowerdir+", FilesystemContext.fdPath(lowerFd))
                    .set("upperdir", FilesystemContext.fdPath(upperFd))
                    .set("workdir", FilesystemContext.fdPath(workFd))
                    .set("index", "off")
                    .set("metacopy", "off")
                    .set("redirect_dir", "on")
                    .set("xino", "off");
            if (options.throwAwayUpper()) {
                ctx.flag("volatile");
            }
            ctx.create();
            return ctx.mount((options.allowSuidDev() ? 0 : FilesystemContext.MOUNT_ATTR_NOSUID | FilesystemContext.MOUNT_ATTR_NODEV)
                    | (options.readOnly() ? FilesystemContext.MOUNT_ATTR_RDONLY : 0));
        } catch (SysException e) {
            throw new IOException("writable overlay: " + e.getMessage()
                    + (e.errno() == Errno.EPERM ? " (mounting needs root)" : ""), e);
        }
    }

    /**
     * Mounts the writable overlay of the directory {@code lower} (an image mount point) at
     * {@code mountpoint}, changes going to {@code upper}, with {@code work} as the work directory;
     * what {@link #detached(int, int, int, Options)} makes, attached.
     */
    public static void mount(Path lower, Path upper, Path work, Path mountpoint, Options options) throws IOException {
        int lowerFd = openDirectory(lower);
        int upperFd = -1;
        int workFd = -1;
        try {
            upperFd = openDirectory(upper);
            workFd = openDirectory(work);
            int mnt = detached(lowerFd, upperFd, workFd, options);
            try {
                FilesystemContext.moveMount(mnt, FileCalls.AT_FDCWD, mountpoint.toAbsolutePath().toString());
            } catch (SysException e) {
                throw new IOException("attaching the writable overlay at " + mountpoint + ": " + e.getMessage(), e);
            } finally {
                FileCalls.close(mnt); // attached or not: the mount itself now holds what it needs
            }
        } finally {
            FileCalls.close(lowerFd);
            FileCalls.close(upperFd);
            FileCalls.close(workFd);
        }
    }

    /**
     * Unmounts the writable overlay at {@code mountpoint}. Without {@code lazy}, a busy one is
     * detached all the same (it goes away with its last open file) and the failure still reported;
     * with it, it is detached at once.
     */
    public static void unmount(Path mountpoint, boolean lazy) throws IOException {
        String target = mountpoint.toAbsolutePath().normalize().toString();
        try {
            MountCalls.umount2(target, MountCalls.UMOUNT_NOFOLLOW | (lazy ? MountCalls.MNT_DETACH : 0));
        } catch (SysException e) {
            if (lazy || e.errno() != Errno.EBUSY) {
                throw new IOException("unmounting the writable overlay at " + target + ": " + e.getMessage(), e);
            }
            unmount(mountpoint, true);
            throw new IOException(target + " was still in use; it is detached and goes away when its last file is closed", e);
        }
    }

    private static int openDirectory(Path dir) throws IOException {
        try {
            return FileCalls.open(dir.toAbsolutePath().toString(),
                    FileCalls.O_PATH | FileCalls.O_DIRECTORY | FileCalls.O_NOFOLLOW | FileCalls.O_CLOEXEC, 0);
        } catch (SysException e) {
            if (e.errno() == Errno.ENOTDIR || e.errno() == Errno.ELOOP) {
                throw new IOException(dir + ": not a directory", e);
            }
            throw e;
        }
    }

    private static Stat directory(int fd, String what) throws IOException {
        Stat st;
        try {
            st = StatCalls.fstat(fd, what);
        } catch (SysException e) {
            throw new IOException(what + ": " + e.getMessage(), e);
        }
        if (!st.isDirectory()) {
            throw new IOException(what + " is not a directory");
        }
        return st;
    }
}
