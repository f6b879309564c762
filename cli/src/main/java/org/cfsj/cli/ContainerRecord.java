package org.cfsj.cli;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.cfsj.fuse.Mounts;
import org.cfsj.mount.Unmount;
import org.cfsj.oci.runtime.OciRuntime;
import org.cfsj.posix.DirectoryRemoval;
import org.cfsj.posix.PrivateDirectory;
import org.cfsj.sys.Processes;

/**
 * The record that one running {@code cfsj oci run} keeps in {@code RUNTIME/containers/ID} (root:
 * {@code /run/cfsj/containers/ID}, mode 0700): a {@code lock} file locked for as long as the command
 * lives, the path of its bundle directory, and (for a writable root) the scratch directories
 * of {@link ContainerRoot}. It is how a later {@code oci run} finds what a command killed with
 * SIGKILL (or by the OOM killer) left behind, and removes it: the root filesystem's mounts, the
 * bundle and the writable layer.
 *
 * <p>Invariants: records are created, and stale ones swept, only while holding
 * {@code containers/.lock}, so a record is never seen half made; a record is stale only when its
 * {@code lock} can be taken (its command is dead: the kernel releases the lock with the
 * process) and the runtime no longer knows the container (a container that outlived its
 * command keeps running on its root and is left alone). A record without a {@code lock} file
 * (made by an older cfsj) is never touched. A bundle path read from a record is acted on only
 * when it is still a directory of ours, mode 0700, named as cfsj names bundles: nobody else can
 * have put anything in it. A directory that may still have something mounted in it is never
 * removed.
 */
final class ContainerRecord implements AutoCloseable {
    private static final String CONTAINERS = "containers";
    private static final String SWEEP_LOCK = ".lock";
    private static final String LOCK = "lock";
    private static final String BUNDLE = "bundle";
    private static final Pattern ID = Pattern.compile("cfsj-[0-9a-f]{12}");
    static final String BUNDLE_PREFIX = "cfsj-run-";

    private final Path directory;
    private final FileChannel lockFile;

    private ContainerRecord(Path directory, FileChannel lockFile) {
        this.directory = directory;
        this.lockFile = lockFile;
    }

    /** Whether {@code id} has the form {@code cfsj oci run} gives container ids. */
    static boolean isContainerId(String id) {
        return ID.matcher(id).matches();
    }

    /**
     * Removes what dead {@code oci run} commands left behind (one warning line for each thing that
     * could not be removed), then makes the record of container {@code id}, locked until
     * {@link #close()}.
     */
    static ContainerRecord create(String id, OciRuntime runtime) throws IOException {
        if (!isContainerId(id)) {
            throw new IllegalArgumentException("not a container id: " + id);
        }
        Path containers = PrivateDirectory.ensure(PrivateDirectory.runtimeDirectory().resolve(CONTAINERS));
        try (FileChannel sweep = FileChannel.open(containers.resolve(SWEEP_LOCK), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                FileLock held = sweep.lock()) {
            sweepStale(containers, runtime);
            Path dir = Files.createDirectory(containers.resolve(id),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            FileChannel lock = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            try {
                lock.lock();
            } catch (IOException | RuntimeException e) {
                lock.close();
                throw e;
            }
            return new ContainerRecord(dir, lock);
        }
    }

    /** The record's directory, where {@link ContainerRoot} puts a writable root's layers. */
    Path directory() {
        return directory;
    }

    /** Notes the bundle directory, so that a sweep can unmount and remove it should this command die. */
    void recordBundle(Path bundle) throws IOException {
        Files.writeString(directory.resolve(BUNDLE), bundle.toAbsolutePath().toString(), StandardCharsets.UTF_8,
                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    }

    /** Removes the record (once the root filesystem and the bundle are gone) and lets go of its lock. */
    void remove() throws IOException {
        DirectoryRemoval.removeTree(directory);
    }

    @Override
    public void close() throws IOException {
        lockFile.close();
    }

    private static void sweepStale(Path containers, OciRuntime runtime) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(containers, p -> isContainerId(p.getFileName().toString()))) {
            for (Path record : entries) {
                if (isStale(record, runtime)) {
                    cleanUp(record);
                }
            }
        } catch (IOException e) {
            warn("looking for what earlier runs left in " + containers + " failed: " + Errors.message(e));
        }
    }

    private static boolean isStale(Path record, OciRuntime runtime) {
        Path lock = record.resolve(LOCK);
        if (!Files.isRegularFile(lock, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
            FileLock taken = channel.tryLock();
            if (taken == null) {
                return false;
            }
            taken.release();
        } catch (OverlappingFileLockException ours) {
            return false; // this process holds it: a container of this JVM
        } catch (IOException e) {
            return false;
        }
        return !runtimeKnows(runtime, record.getFileName().toString());
    }

    /** {@code RUNTIME state ID} succeeds: the container still exists (perhaps still running on its root). */
    private static boolean runtimeKnows(OciRuntime runtime, String id) {
        try {
            Process p = new ProcessBuilder(runtime.stateCommand(id)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return true;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return true; // cannot tell: leave it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    /** Unmounts and removes what the dead command {@code record} describes, as far as it safely can. */
    private static void cleanUp(Path record) {
        String what = "container " + record.getFileName();
        try {
            Path bundle = bundleOf(record);
            if (bundle != null) {
                Path rootfs = bundle.resolve("rootfs");
                unmountIfMounted(rootfs);
                Files.deleteIfExists(bundle.resolve("config.json"));
                Files.deleteIfExists(rootfs);
                Files.deleteIfExists(bundle);
            }
            unmountIfMounted(record.resolve("image"));
            DirectoryRemoval.removeTree(record);
            warn("removed what the killed run of " + what + " left behind");
        } catch (IOException e) {
            warn("could not remove what the killed run of " + what + " left behind: " + Errors.message(e));
        }
    }

    /** The bundle a record names, if it is still ours to remove (see the class comment); else null. */
    private static Path bundleOf(Path record) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(record.resolve(BUNDLE), StandardCharsets.UTF_8);
        } catch (NoSuchFileException none) {
            return null;
        }
        if (lines.size() != 1 || !lines.get(0).startsWith("/")) {
            return null;
        }
        Path bundle = Path.of(lines.get(0));
        if (bundle.getFileName() == null || !bundle.getFileName().toString().startsWith(BUNDLE_PREFIX)
                || !Files.isDirectory(bundle, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        int owner = (Integer) Files.getAttribute(bundle, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) Files.getAttribute(bundle, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return owner == Processes.geteuid() && (mode & 0777) == 0700 ? bundle : null;
    }

    /** Lazily unmounts {@code dir} when mountinfo shows a mount there (a dead FUSE mount included). */
    private static void unmountIfMounted(Path dir) throws IOException {
        if (Mounts.isMountPoint(dir)) {
            Unmount.unmount(dir, true);
        }
    }

    private static void warn(String message) {
        System.err.println("cfsj oci run: " + message);
    }
}
