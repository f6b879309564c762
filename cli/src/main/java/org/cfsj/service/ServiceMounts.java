package org.cfsj.service;

import java.io.IOException;
import java.time.Duration;
import org.cfsj.mount.ImageServers;
import org.cfsj.mount.MountOptions;
import org.cfsj.mount.WritableOverlay;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.FilesystemContext;

/**
 * The {@link ImageMounter} of {@code cfsj serve}: the image's detached mount from
 * {@link ImageServers} (one FUSE server per image, its mounts clones of one superblock; or a
 * fresh kernel composefs mount), and with {@code overlay} a {@link WritableOverlay} on top of it
 * from the client's upper and work directories, read-only unless {@code read_write}.
 *
 * <p>Every mount handed out is {@code nosuid,nodev} (the client may attach it anywhere), except one
 * a root client asked {@code allow_suid_dev} for, the root of its container: then that mount alone
 * (the overlay, or this clone of the image's mount) honours setuid files and device nodes. Owns the
 * servers: {@link #close()} ends them, and readers of their mounts then get errors.
 */
public final class ServiceMounts implements ImageMounter, AutoCloseable {
    private final ImageServers servers;

    /** {@code idle}: how long an image's FUSE server lives on without mounts. */
    public ServiceMounts(Duration idle) {
        this.servers = new ImageServers(idle);
    }

    @Override
    public int mount(MountSource source, MountRequest request, int upperFd, int workFd) throws IOException {
        boolean fuse = request.backend() != MountRequest.Backend.KERNEL;
        MountOptions options = MountOptions.builder()
                .insecure(request.insecure())
                .requireVerity(source.kernelVerity())
                .passthrough(request.passthrough())
                .digestLedger(source.digestLedger())
                .quiet(true)
                .build();
        int image = servers.mount(source.image(), source.objectsDir(), options, fuse);
        if (!request.overlay()) {
            if (request.allowSuidDev()) {
                try { // this mount only: the other mounts of the image keep nosuid,nodev
                    FilesystemContext.setAttributes(image, 0, FilesystemContext.MOUNT_ATTR_NOSUID | FilesystemContext.MOUNT_ATTR_NODEV);
                } catch (IOException | RuntimeException e) {
                    FileCalls.close(image);
                    throw e;
                }
            }
            return image;
        }
        try {
            int overlay = WritableOverlay.detached(image, upperFd, workFd,
                    new WritableOverlay.Options(request.allowSuidDev(), false, !request.readWrite()));
            try {
                servers.stacked(image, overlay); // the server must outlive the overlay, which hides it from mountinfo
            } catch (IOException | RuntimeException e) {
                FileCalls.close(overlay);
                throw e;
            }
            return overlay;
        } finally {
            FileCalls.close(image); // the overlay holds the image mount now
        }
    }

    /** What the service serves, for its log. */
    public ImageServers.Stats stats() {
        return servers.stats();
    }

    @Override
    public void close() {
        servers.close();
    }
}
