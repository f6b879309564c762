package org.cfsj.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cfsj.posix.EffectiveUser;
import org.cfsj.sys.Errno;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.FilesystemContext;
import org.cfsj.sys.MountCalls;
import org.cfsj.sys.PathNames;
import org.cfsj.sys.Processes;
import org.cfsj.sys.Sockets;
import org.cfsj.sys.Stat;
import org.cfsj.sys.StatCalls;
import org.cfsj.sys.SysException;

/**
 * A FUSE mount and its session fd, in one of two forms:
 * <ul>
 *   <li>at a mount point: as root with mount(2); otherwise through the setuid helper fusermount3,
 *       which opens /dev/fuse, mounts, and passes the fd back over a unix socket;
 *   <li>{@link #detached}: as root with the new mount API, a superblock with no mount point and
 *       one <em>master</em> detached mount ({@link #mountFd()}), which this instance owns; the
 *       owner attaches clones of it where it wants, in any mount namespace.
 * </ul>
 * Invariant: exactly one of {@link #mountpoint()} and {@link #mountFd()} is set (null / -1).
 */
public final class FuseMount {
    private final Path mountpoint;
    private final int fd;
    private final boolean viaFusermount;
    private final int mountFd;
    private volatile boolean mounted = true;

    private FuseMount(Path mountpoint, int fd, boolean viaFusermount, int mountFd) {
        this.mountpoint = mountpoint;
        this.fd = fd;
        this.viaFusermount = viaFusermount;
        this.mountFd = mountFd;
    }

    /** Where the filesystem is mounted, or null for a {@link #detached} mount. */
    public Path mountpoint() {
        return mountpoint;
    }

    /** The master detached mount of a {@link #detached} mount (owned by this instance), else -1. */
    public int mountFd() {
        return mountFd;
    }

    public boolean isDetached() {
        return mountFd >= 0;
    }

    /** What the filesystem is called in messages: its mount point, or "a detached mount". */
    public String describe() {
        return isDetached() ? "a detached mount" : mountpoint.toString();
    }

    /**
     * The superblock's device, from the mount's root; only once the session answered INIT (the
     * kernel may ask the server for the root's attributes).
     */
    public Stat rootStat() throws IOException {
        if (isDetached()) {
            return StatCalls.fstat(mountFd, "the detached FUSE mount");
        }
        return StatCalls.statx(FileCalls.AT_FDCWD, PathNames.bytes(mountpoint.toString()),
                FileCalls.AT_SYMLINK_NOFOLLOW, mountpoint.toString());
    }

    /** The session fd (closed by the session). */
    public int fd() {
        return fd;
    }

    /** Checks that {@code mountpoint} can be mounted on: an existing directory, not a mount point already. */
    public static Path checkMountpoint(Path mountpoint) throws IOException {
        if (!Files.exists(mountpoint)) {
            throw new IOException(mountpoint + ": mount point does not exist");
        }
        if (!Files.isDirectory(mountpoint)) {
            throw new IOException(mountpoint + ": mount point is not a directory");
        }
        Path real = mountpoint.toRealPath();
        if (Mounts.isMountPoint(real) || Mounts.isMountedOver(real)) {
            throw new IOException(mountpoint + ": already a mount point (unmount it first)");
        }
        return real;
    }

    /** Mounts an empty FUSE filesystem at {@code mountpoint}; requests then arrive on {@link #fd()}. */
    public static FuseMount mount(Path mountpoint, SessionOptions options) throws IOException {
        Path real = checkMountpoint(mountpoint);
        return EffectiveUser.isRoot() ? mountAsRoot(real, options) : mountWithFusermount(real, options);
    }

    private static FuseMount mountAsRoot(Path mountpoint, SessionOptions options) throws IOException {
        int fd = FuseDevice.open();
        String data = "fd=" + fd + ",rootmode=40000,user_id=" + Processes.geteuid() + ",group_id=" + Processes.getegid()
                + ",allow_other,default_permissions";
        long flags = MountCalls.MS_RDONLY | (options.allowSuidDev() ? 0 : MountCalls.MS_NOSUID | MountCalls.MS_NODEV);
        try {
            MountCalls.mount(options.fsName(), mountpoint.toString(), "fuse." + options.subtype(), flags, data);
        } catch (SysException e) {
            FileCalls.close(fd);
            throw switch (e.errno()) {
                case Errno.EPERM, Errno.EACCES -> new IOException(mountpoint + ": permission denied (mounting needs root"
                        + " or CAP_SYS_ADMIN)", e);
                case Errno.ENODEV -> new IOException("the kernel does not support FUSE (no fuse filesystem type)", e);
                default -> new IOException("mounting " + mountpoint + " failed: " + e.getMessage(), e);
            };
        }
        return new FuseMount(mountpoint, fd, false, -1);
    }

    /**
     * As root: an empty FUSE filesystem with no mount point (fsopen/fsconfig/fsmount), read-only
     * and, unless {@link SessionOptions#allowSuidDev}, nosuid,nodev; requests arrive on
     * {@link #fd()} once something asks, and the master mount is {@link #mountFd()}.
     */
    public static FuseMount detached(SessionOptions options) throws IOException {
        if (!EffectiveUser.isRoot()) {
            throw new IOException("a detached FUSE mount needs root (CAP_SYS_ADMIN)");
        }
        int fd = FuseDevice.open();
        long attributes = FilesystemContext.MOUNT_ATTR_RDONLY
                | (options.allowSuidDev() ? 0 : FilesystemContext.MOUNT_ATTR_NOSUID | FilesystemContext.MOUNT_ATTR_NODEV);
        try (FilesystemContext ctx = FilesystemContext.open("fuse")) {
            int mountFd = ctx.set("fd", Integer.toString(fd)).set("rootmode", "40000")
                    .set("user_id", Integer.toString(Processes.geteuid()))
                    .set("group_id", Integer.toString(Processes.getegid()))
                    .flag("allow_other").flag("default_permissions")
                    .set("source", options.fsName()).set("subtype", options.subtype())
                    .create().mount(attributes);
            return new FuseMount(null, fd, false, mountFd);
        } catch (SysException e) {
            FileCalls.close(fd);
            throw e.errno() == Errno.ENODEV
                    ? new IOException("the kernel does not support FUSE (no fuse filesystem type)", e)
                    : new IOException("creating a detached FUSE mount failed: " + e.getMessage(), e);
        }
    }

    /**
     * A new detached mount of this {@link #detached} filesystem (same superblock, device and page
     * cache); the caller owns the fd and attaches it with move_mount(2).
     */
    public int cloneMount() throws IOException {
        if (!isDetached()) {
            throw new IllegalStateException("only a detached FUSE mount is cloned");
        }
        return FilesystemContext.cloneMount(mountFd);
    }

    private static FuseMount mountWithFusermount(Path mountpoint, SessionOptions options) throws IOException {
        // the child end must survive exec (no CLOEXEC); ours is closed right after the spawn
        int[] pair = Sockets.socketpair(Sockets.AF_UNIX, Sockets.SOCK_STREAM);
        try {
            String opts = "ro,default_permissions,fsname=" + options.fsName() + ",subtype=" + options.subtype()
                    + (options.allowSuidDev() ? "" : ",nosuid,nodev");
            List<String> env = new ArrayList<>();
            System.getenv().forEach((k, v) -> env.add(k + "=" + v));
            env.add("_FUSE_COMMFD=" + pair[1]);
            int status;
            try {
                status = Processes.spawnAndWait(new String[] {"fusermount3", "-o", opts, "--", mountpoint.toString()},
                        env.toArray(String[]::new));
            } catch (SysException e) {
                throw new IOException("cannot run fusermount3 (needed to mount without root): " + e.getMessage(), e);
            }
            FileCalls.close(pair[1]);
            pair[1] = -1;
            int fd = Sockets.receiveFd(pair[0], "fusermount3 socket");
            if (fd < 0 || status != 0) {
                if (fd >= 0) {
                    FileCalls.close(fd);
                }
                throw new IOException("fusermount3 could not mount " + mountpoint + " (exit status " + (status >> 8)
                        + "; see its message above)");
            }
            return new FuseMount(mountpoint, fd, true, -1);
        } finally {
            FileCalls.close(pair[0]);
            FileCalls.close(pair[1]);
        }
    }

    /**
     * Unmounts. {@code lazy} detaches even if files are still open (the session then ends when
     * the last of them is closed); a non-lazy unmount of a busy mount fails with EBUSY.
     */
    public void unmount(boolean lazy) throws IOException {
        if (!mounted || isDetached()) {
            return; // a detached mount has no mount point; its owner aborts the connection instead
        }
        unmount(mountpoint, lazy, viaFusermount);
        mounted = false;
    }

    /** Unmounts whatever FUSE mount is at {@code mountpoint}, as root with umount2, else with fusermount3 -u. */
    public static void unmount(Path mountpoint, boolean lazy, boolean viaFusermount) throws IOException {
        if (!viaFusermount && EffectiveUser.isRoot()) {
            try {
                MountCalls.umount2(mountpoint.toString(), MountCalls.UMOUNT_NOFOLLOW | (lazy ? MountCalls.MNT_DETACH : 0));
            } catch (SysException e) {
                throw switch (e.errno()) {
                    case Errno.EBUSY -> new IOException(mountpoint + ": busy (files are open or a process has its"
                            + " working directory there)", e);
                    case Errno.EINVAL -> new IOException(mountpoint + ": not a mount point", e);
                    case Errno.EPERM -> new IOException(mountpoint + ": permission denied", e);
                    default -> e;
                };
            }
            return;
        }
        List<String> cmd = new ArrayList<>(List.of("fusermount3", "-u", "-q"));
        if (lazy) {
            cmd.add("-z");
        }
        cmd.add(mountpoint.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        try {
            if (p.waitFor() != 0) {
                throw new IOException(mountpoint + ": fusermount3 -u failed" + (out.isEmpty() ? "" : ": " + out));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while unmounting " + mountpoint, e);
        }
    }

    /** Marks the mount as gone (the kernel reported that someone else unmounted it). */
    void forgetMounted() {
        mounted = false;
    }

    public boolean isMounted() {
        return mounted;
    }
}
