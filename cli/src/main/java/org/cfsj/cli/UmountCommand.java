package org.cfsj.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.cfsj.mount.Unmount;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code cfsj umount}: unmounts a cfsj mount, FUSE (its server notices and exits by itself) or a
 * kernel composefs mount. A busy mount is reported, not detached: the caller decides what to do
 * about the open files.
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
        Unmount.unmount(mountpoint, false);
        return 0;
    }
}
