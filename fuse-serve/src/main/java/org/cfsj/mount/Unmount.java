package org.cfsj.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.cfsj.fuse.FuseMount;
import org.cfsj.fuse.Mounts;
import org.cfsj.posix.EffectiveUser;
import org.cfsj.sys.Errno;
import org.cfsj.sys.MountCalls;
import org.cfsj.sys.SysException;

/**
 * Unmounts what this package mounted: a FUSE mount of a cfsj server (whose server then notices
 * and exits by itself), a kernel composefs mount (an overlay whose source is
 * {@code composefs}) or a {@link WritableOverlay} (source {@code cfsj-writable}; its upper
 * directory stays, it is the caller's). Anything else mounted at the path is refused: the caller
 * named the wrong directory, and unmounting someone else's filesystem is not ours to do.
 */
public final class Unmount {
    private Unmount() {}

    /**
     * Unmounts the cfsj mount at {@code mountpoint}. Without {@code lazy}, a busy mount is
     * reported and stays (the caller decides what to do about the open files); with it, the
     * mount is detached at once and goes away when its last file is closed.
     */
    public static void unmount(Path mountpoint, boolean lazy) throws IOException {
        Mounts.MountEntry entry;
        try {
            entry = Mounts.mountAt(mountpoint).orElse(null);
        } catch (IOException e) {
            throw new IOException(mountpoint + ": no such file or directory");
        }
        if (entry == null) {
            throw new IOException(mountpoint + (Files.exists(mountpoint, LinkOption.NOFOLLOW_LINKS)
                    ? ": not a mount point" : ": no such file or directory"));
        }
        Path at = Path.of(entry.mountPoint());
        if (entry.fsType().equals("fuse.cfsj")) {
            FuseMount.unmount(at, lazy, !EffectiveUser.isRoot());
        } else if (entry.fsType().equals("overlay")
                && (entry.source().equals("composefs") || entry.source().equals(WritableOverlay.SOURCE))) {
            unmountKernel(at, lazy);
        } else {
            throw new IOException(mountpoint + ": not a cfsj mount (it is " + entry.fsType() + ")");
        }
    }

    /** umount2(2) of a kernel composefs overlay (its EROFS layer was detached when it was mounted). */
    static void unmountKernel(Path mountpoint, boolean lazy) throws IOException {
        String target = mountpoint.toAbsolutePath().normalize().toString();
        try {
            MountCalls.umount2(target, MountCalls.UMOUNT_NOFOLLOW | (lazy ? MountCalls.MNT_DETACH : 0));
        } catch (SysException e) {
            throw new IOException(e.getMessage()
                    + (e.errno() == Errno.EINVAL ? " (not a mount point)" : "")
                    + (e.errno() == Errno.EBUSY ? " (in use)" : ""), e);
        }
    }
}
