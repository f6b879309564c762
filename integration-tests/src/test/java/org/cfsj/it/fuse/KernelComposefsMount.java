package org.cfsj.it.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cfsj.sys.MountCalls;

/**
 * The kernel's view of a composefs image, the reference the FUSE server is compared against: the
 * image mounted file-backed as EROFS with mount(2) (util-linux mount would put it on a loop
 * device), then overlayfs on top with the object directory as a data-only lower layer ({@code ::}),
 * which follows the image's {@code trusted.overlay.redirect} xattrs into the objects and hides
 * composefs's own overlay xattrs and root whiteouts. Both mounts go away in {@link #close()}.
 */
final class KernelComposefsMount implements AutoCloseable {
    private final Path erofsDir;
    private final Path mountPoint;
    private boolean overlayMounted;

    private KernelComposefsMount(Path erofsDir, Path mountPoint) {
        this.erofsDir = erofsDir;
        this.mountPoint = mountPoint;
    }

    /** Mounts {@code image} with {@code objects} as its object directory at {@code mountPoint}; {@code work} holds the EROFS mount. */
    static KernelComposefsMount mount(Path image, Path objects, Path mountPoint, Path work) throws IOException {
        Path erofsDir = Files.createDirectories(work.resolve("erofs-lower"));
        MountCalls.mount(image.toAbsolutePath().toString(), erofsDir.toAbsolutePath().toString(), "erofs", MountCalls.MS_RDONLY, null);
        KernelComposefsMount m = new KernelComposefsMount(erofsDir, mountPoint);
        try {
            MountCalls.mount("overlay", mountPoint.toAbsolutePath().toString(), "overlay", MountCalls.MS_RDONLY,
                    "ro,metacopy=on,redirect_dir=on,lowerdir=" + erofsDir.toAbsolutePath() + "::" + objects.toAbsolutePath());
            m.overlayMounted = true;
            return m;
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
    }

    Path path() {
        return mountPoint;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (Path p : overlayMounted ? new Path[] {mountPoint, erofsDir} : new Path[] {erofsDir}) {
            try {
                MountCalls.umount2(p.toAbsolutePath().toString(), 0);
            } catch (IOException e) {
                // busy (a reader still has a file open): detach, so nothing stays mounted, but say so
                Mounts.forceUnmount(p);
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
