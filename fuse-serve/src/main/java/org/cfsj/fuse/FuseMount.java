package org.cfsj.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cfsj.posix.EffectiveUser;
import org.cfsj.sys.Errno;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.MountCalls;
import org.cfsj.sys.Processes;
import org.cfsj.sys.Sockets;
import org.cfsj.sys.SysException;

/**
 * A FUSE mount and its session fd. As root it mounts with mount(2); otherwise it asks the setuid
 * helper fusermount3, which opens /dev/fuse, mounts, and passes the fd back over a unix socket.
 */
public final class FuseMount {
    private final Path mountpoint;
    private final int fd;
    private final boolean viaFusermount;
    private volatile boolean mounted = true;

    private FuseMount(Path mountpoint, int fd, boolean viaFusermount) {
        this.mountpoint = mountpoint;
        this.fd = fd;
        this.viaFusermount = viaFusermount;
    }

    public Path mountpoint() {
        return mountpoint;
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
        return new FuseMount(mountpoint, fd, false);
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
            return new FuseMount(mountpoint, fd, true);
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
        if (!mounted) {
            return;
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
