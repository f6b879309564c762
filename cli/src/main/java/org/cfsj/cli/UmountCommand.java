package org.cfsj.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.cfsj.fuse.FuseMount;
import org.cfsj.fuse.Mounts;
import org.cfsj.oci.mount.KernelComposefsMount;
import org.cfsj.sys.Processes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code cfsj umount}: unmounts a cfsj FUSE mount; its server notices and exits by itself. A busy
 * mount is reported, not detached: the caller decides what to do about the open files.
 */
@Command(
        name = "umount",
        mixinStandardHelpOptions = true,
        description = "Unmount a cfsj mount: a FUSE mount made by cfsj fuse-serve / oci mount --fuse (its server then exits), or a kernel composefs mount made by cfsj oci mount.",
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:unmounted", "1:not a cfsj mount point, busy, or not permitted", "2:invalid usage"})
final class UmountCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MOUNTPOINT", description = "Where the image is mounted.")
    Path mountpoint;

    @Override
    public Integer call() throws IOException {
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
        if (entry.fsType().equals("fuse.cfsj")) {
            FuseMount.unmount(Path.of(entry.mountPoint()), false, Processes.geteuid() != 0);
        } else if (entry.fsType().equals("overlay") && entry.source().equals("composefs")) {
            // cfsj oci mount's kernel variant: an overlay over a (detached) EROFS mount.
            KernelComposefsMount.unmount(Path.of(entry.mountPoint()), false);
        } else {
            throw new IOException(mountpoint + ": not a cfsj mount (it is " + entry.fsType() + ")");
        }
        return 0;
    }
}
