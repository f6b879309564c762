package org.cfsj.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.cfsj.mount.ComposefsServer;
import org.cfsj.mount.KernelComposefsMount;
import org.cfsj.mount.MountOptions;
import org.cfsj.mount.Unmount;
import org.cfsj.mount.WritableOverlay;
import org.cfsj.posix.DirectoryRemoval;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.Stat;
import org.cfsj.sys.StatCalls;

/**
 * The root filesystem of a container that {@code cfsj oci run} starts, and everything it takes.
 *
 * <p>Read-only: the image mounted at the bundle's {@code rootfs}. Writable (the default): the
 * image mounted at {@code SCRATCH/image}, and a {@link WritableOverlay} at {@code rootfs} whose
 * upper and work directories are {@code SCRATCH/upper} and {@code SCRATCH/work}, where
 * {@code SCRATCH} is the container's {@link ContainerRecord} directory,
 * {@code /run/cfsj/containers/ID}: in root's private runtime directory (mode 0700, so nobody
 * else can reach the image's setuid files or plant anything there by name), on the runtime
 * filesystem that the next boot clears, and swept by the next {@code oci run} should this
 * command be killed. The upper's root takes the owner and mode of the image's root, which the
 * container sees as its {@code /}.
 *
 * <p>Invariants: {@link #undo()} undoes what was set up, in reverse (overlay, image, scratch
 * directories), whoever calls it (the command or its shutdown hook), each step once; a step that
 * finishes after {@code undo} began is undone at once. The scratch directories are removed only
 * when nothing is mounted in them any more; the record itself is its owner's to remove.
 */
final class ContainerRoot {
    private static final List<String> SCRATCH = List.of("image", "upper", "work");

    private final Path rootfs;
    private final Path record;
    private Path scratch;
    private ComposefsServer server;
    private Path kernelMount;
    private boolean overlay;
    /** The service's read-only mount of the image is attached at {@code rootfs}. */
    private boolean serviceMount;
    private boolean closed;

    /** {@code record}: the container's {@link ContainerRecord#directory()}, where a writable root's layers go. */
    ContainerRoot(Path rootfs, Path record) {
        this.rootfs = rootfs;
        this.record = record;
    }

    /**
     * Mounts {@code imageFile} (objects from {@code objects}) by the kernel or by a FUSE server in
     * this process, read-only at {@code rootfs} or under a writable overlay there.
     */
    void mount(Path imageFile, Path objects, boolean kernel, MountOptions options, boolean writable)
            throws IOException {
        Path imageAt = rootfs;
        if (writable) {
            Path dir = scratchDirectories();
            imageAt = dir.resolve("image");
        }
        if (kernel) {
            KernelComposefsMount.mount(imageFile, objects, imageAt, options);
            Path at = imageAt;
            step(() -> kernelMount = at);
        } else {
            ComposefsServer started = ComposefsServer.start(imageFile, objects, imageAt, options);
            step(() -> server = started);
        }
        if (writable) {
            Path upper = scratch.resolve("upper");
            likeImageRoot(upper, (Integer) Files.getAttribute(imageAt, "unix:uid", LinkOption.NOFOLLOW_LINKS),
                    (Integer) Files.getAttribute(imageAt, "unix:gid", LinkOption.NOFOLLOW_LINKS),
                    (Integer) Files.getAttribute(imageAt, "unix:mode", LinkOption.NOFOLLOW_LINKS));
            WritableOverlay.mount(imageAt, upper, scratch.resolve("work"), rootfs,
                    new WritableOverlay.Options(options.allowSuidDev(), true, false));
            step(() -> overlay = true);
        }
    }

    /**
     * The root through {@code cfsj serve}: the service mounts the image (its FUSE server for the
     * image, shared with every other mount of it); read-only, that mount is attached at
     * {@code rootfs}; writable, the service puts the overlay on it, with upper and work
     * directories in this command's scratch directory, passed as fds, and the overlay is attached
     * there. {@code options}: the mount options of {@code OciMount}.
     */
    void mountThroughService(ServiceClient service, Path repo, String name, ObjectNode options, boolean writable)
            throws IOException {
        if (!writable) {
            service.ociMount(repo, name, options.deepCopy().put("overlay", false), rootfs);
            step(() -> serviceMount = true);
            return;
        }
        Path dir = scratchDirectories();
        Path upper = dir.resolve("upper");
        Path work = dir.resolve("work");
        int image = service.ociMountFd(repo, name, options.deepCopy().put("overlay", false));
        try {
            Stat root = StatCalls.fstat(image, "the image's root");
            likeImageRoot(upper, root.uid(), root.gid(), root.mode());
        } finally {
            FileCalls.close(image);
        }
        int upperFd = FileCalls.open(upper.toString(), FileCalls.O_PATH | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, 0);
        int workFd = -1;
        try {
            workFd = FileCalls.open(work.toString(), FileCalls.O_PATH | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, 0);
            service.ociMount(repo, name, options.deepCopy().put("overlay", true).put("read_write", true), rootfs,
                    upperFd, workFd);
        } finally {
            FileCalls.close(upperFd);
            FileCalls.close(workFd);
        }
        step(() -> overlay = true);
    }

    /** The container's {@code /} shows the upper's root directory: it takes the image root's owner and mode. */
    private static void likeImageRoot(Path upper, int uid, int gid, int mode) throws IOException {
        Files.setAttribute(upper, "unix:uid", uid);
        Files.setAttribute(upper, "unix:gid", gid);
        Files.setAttribute(upper, "unix:mode", mode & 07777);
    }

    /** {@code image}, {@code upper} and {@code work} in the record's directory, recorded for {@link #undo()}. */
    private Path scratchDirectories() throws IOException {
        step(() -> scratch = record);
        for (String name : SCRATCH) {
            Files.createDirectory(record.resolve(name));
        }
        return record;
    }

    /** Records a finished step, or undoes everything at once if {@link #undo()} has begun meanwhile. */
    private void step(Runnable record) throws IOException {
        boolean late;
        synchronized (this) {
            record.run();
            late = closed;
        }
        if (late) {
            undo();
            throw new IOException("interrupted while setting up the container's root filesystem");
        }
    }

    /**
     * Unmounts and removes everything; failures are printed (this runs from a shutdown hook
     * too), and anything that may still be mounted is left in place rather than deleted.
     *
     * @return whether everything was undone (the bundle directory may then be removed)
     */
    boolean undo() {
        synchronized (this) {
            closed = true;
        }
        return undoSteps();
    }

    private synchronized boolean undoSteps() {
        try {
            if (overlay) {
                WritableOverlay.unmount(rootfs, true); // lazy: nothing in the container holds it once the runtime has exited
                overlay = false;
            }
            if (serviceMount) {
                Unmount.unmount(rootfs, true); // the service's server stays for the image's other mounts
                serviceMount = false;
            }
            if (server != null) {
                server.unmount();
                server.close();
                server = null;
            } else if (kernelMount != null) {
                Unmount.unmount(kernelMount, true);
                kernelMount = null;
            }
        } catch (IOException e) {
            System.err.println("cfsj oci run: unmounting the container's root filesystem failed: " + Errors.message(e)
                    + " (cfsj umount " + rootfs + " by hand)");
            return false;
        }
        if (scratch != null) {
            try {
                for (String name : SCRATCH) {
                    DirectoryRemoval.removeTree(scratch.resolve(name));
                }
                scratch = null;
            } catch (IOException e) {
                System.err.println("cfsj oci run: removing the container's writable layer " + scratch + " failed: "
                        + Errors.message(e));
                return false;
            }
        }
        return true;
    }
}
