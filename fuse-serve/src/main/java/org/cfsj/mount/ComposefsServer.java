package org.cfsj.mount;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.cfsj.composefs.ComposefsFilesystem;
import org.cfsj.erofs.ErofsFormatException;
import org.cfsj.erofs.ErofsImage;
import org.cfsj.erofs.ErofsLayout;
import org.cfsj.fuse.DeviceId;
import org.cfsj.fuse.Log;
import org.cfsj.fuse.Session;
import org.cfsj.fuse.SessionOptions;
import org.cfsj.fuse.Stats;
import org.cfsj.objects.VerifiedObjects;
import org.cfsj.verity.DigestLedger;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * A composefs image served over FUSE in this process: opens and validates the image, opens the
 * object store, mounts and serves. Everything it opened is closed again if starting fails, and
 * by {@link #close()}. {@link #start} returns once the mount is live; the caller either goes on
 * with its own work and unmounts later ({@code cfsj oci run}) or hands this thread over to the
 * server with {@link #serveUntilUnmounted()}.
 *
 * <p>{@link #startDetached} serves with no mount point (root only): the server holds the master
 * detached mount and gives out clones of it ({@link #cloneMount()}), all one superblock, one
 * device and one page cache; {@link #close()} then aborts the connection, so readers of clones
 * still attached anywhere get an error at once.
 */
public final class ComposefsServer implements AutoCloseable {
    /** After SIGINT/SIGTERM: how long to wait for open files on the detached mount before exiting anyway. */
    private static final long SIGNAL_GRACE_MS = 2_000;

    private final ErofsImage image;
    private final VerifiedObjects store;
    private final DigestLedger ledger;
    private final ComposefsFilesystem fs;
    private final Session session;
    private final boolean statsOnExit;

    private ComposefsServer(ErofsImage image, VerifiedObjects store, DigestLedger ledger, ComposefsFilesystem fs,
            Session session, boolean statsOnExit) {
        this.image = image;
        this.store = store;
        this.ledger = ledger;
        this.fs = fs;
        this.session = session;
        this.statsOnExit = statsOnExit;
    }

    /** Opens an image for serving: it must be a readable EROFS image with a valid superblock and root inode. */
    public static ErofsImage openImage(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such file or directory");
        }
        if (!Files.isRegularFile(path)) {
            throw new IOException(path + ": not a regular file");
        }
        ErofsImage image;
        try {
            image = ErofsImage.open(path);
        } catch (ErofsFormatException e) {
            throw new IOException(path + ": not a valid composefs/EROFS image: " + e.getMessage(), e);
        }
        var header = image.composefsHeader();
        if (header.isPresent() && header.get().version() != ErofsLayout.COMPOSEFS_VERSION) {
            image.close();
            throw new IOException(path + ": unsupported composefs header version " + header.get().version());
        }
        // The first walk reads most of the image (inodes, directories, xattrs): have it read in
        // large sequential requests now rather than fault it in a page at a time later.
        image.readAhead();
        return image;
    }

    /**
     * Mounts {@code imageFile} at {@code mountpoint} with FUSE and serves it from worker threads
     * of this process, file data from the objects under {@code objects}; returns once the mount
     * is live.
     */
    public static ComposefsServer start(Path imageFile, Path objects, Path mountpoint, MountOptions c) throws IOException {
        return start(imageFile, objects, c, (fs, options) -> Session.start(fs, mountpoint, options));
    }

    /**
     * As root: serves {@code imageFile} on a FUSE filesystem with no mount point; mounts of it come
     * from {@link #cloneMount()}. Returns once the server answers requests.
     */
    public static ComposefsServer startDetached(Path imageFile, Path objects, MountOptions c) throws IOException {
        return start(imageFile, objects, c, Session::startDetached);
    }

    /** How a session is started: at a mount point or detached. */
    private interface SessionStarter {
        Session start(ComposefsFilesystem fs, SessionOptions options) throws IOException;
    }

    private static ComposefsServer start(Path imageFile, Path objects, MountOptions c, SessionStarter starter)
            throws IOException {
        if (!Files.isDirectory(objects)) {
            throw new IOException("--basedir " + objects + ": "
                    + (Files.exists(objects) ? "not a directory" : "does not exist"));
        }
        ErofsImage image = openImage(imageFile);
        VerifiedObjects store = null;
        DigestLedger ledger = null;
        try {
            ledger = c.insecure() ? null : openLedger(c.digestLedger());
            store = new VerifiedObjects(objects, c.insecure(), VerifiedObjects.DEFAULT_CACHE_ENTRIES, ledger);
            ComposefsFilesystem fs = new ComposefsFilesystem(image, store, c.passthrough());
            SessionOptions options = SessionOptions.defaults().withThreads(c.threads())
                    .withPassthrough(c.passthrough()).withAllowSuidDev(c.allowSuidDev()).withTransport(c.transport())
                    .withMetadataTimeout(c.metadataTimeout());
            Session session = starter.start(fs, options);
            ComposefsServer server = new ComposefsServer(image, store, ledger, fs, session, c.statsOnExit());
            if (c.insecure()) {
                Log.info("WARNING: --insecure: object contents are not checked against the image's fs-verity digests");
            } else if (c.passthrough() && session.passthroughGranted() && !store.verityMode().startsWith("kernel")) {
                Log.info("passthrough: objects are checked when first opened; the kernel then reads them directly,"
                        + " so later changes to the object directory go unnoticed");
            }
            if (!c.quiet()) {
                Log.info("serving " + imageFile + " at " + session.describe() + " (" + c.threads() + " threads, FUSE 7."
                        + session.protocolMinor() + ", transport " + session.transport() + ", passthrough "
                        + (session.passthroughGranted() ? "on" : "off")
                        + "; objects: " + store.verityMode() + ")");
            }
            return server;
        } catch (IOException | RuntimeException | Error e) {
            if (store != null) {
                store.close();
            }
            closeQuietly(ledger);
            image.close();
            throw e;
        }
    }

    /** The ledger, or null (with a log line) if there is none or it cannot be used: objects are then hashed. */
    private static DigestLedger openLedger(Path path) {
        if (path == null) {
            return null;
        }
        try {
            return DigestLedger.open(path);
        } catch (IOException e) {
            Log.info("not using the digest ledger: " + e.getMessage() + "; objects are hashed on first open");
            return null;
        }
    }

    private static void closeQuietly(DigestLedger ledger) {
        if (ledger != null) {
            try {
                ledger.close();
            } catch (IOException e) {
                Log.info("closing the digest ledger: " + e.getMessage());
            }
        }
    }

    public Session session() {
        return session;
    }

    /**
     * A new detached mount of a {@link #startDetached detached} server's filesystem (a clone of
     * the master: same superblock); the caller owns the fd and attaches it with move_mount(2).
     */
    public int cloneMount() throws IOException {
        return session.cloneMount();
    }

    /** True while the server answers requests (not closed, its connection not aborted). */
    public boolean isServing() {
        return session.isServing();
    }

        /** The filesystem's device (as in mountinfo): every mount of it, attached anywhere, shows it. */
    public DeviceId device() {
        return session.device();
    }

    public Stats stats() {
        return session.stats();
    }

    public ComposefsFilesystem filesystem() {
        return fs;
    }

    /** Objects whose fs-verity digest was checked (kernel measurement, digest ledger or user-space computation). */
    public long verityChecked() {
        return store.checked();
    }

    /** The one-line counter summary printed by {@code --stats}. */
    public String statsLine() {
        return "cfsj fuse-serve stats: " + stats().summary(verityChecked()) + " readahead_files=" + fs.readaheadFiles();
    }

    /** Waits until the filesystem is unmounted (by {@link #unmount()} or by anyone else). */
    public void awaitTermination() throws InterruptedException {
        session.awaitTermination();
    }

    /**
     * Serves until the filesystem is unmounted, by anyone or by SIGINT/SIGTERM (which unmount
     * it), then closes the server and, with {@link MountOptions#statsOnExit}, prints
     * {@link #statsLine()} on stderr. After a signal, files still open on the detached mount
     * keep the session alive; the server gives them {@value #SIGNAL_GRACE_MS} ms and then stops anyway.
     */
    public void serveUntilUnmounted() throws IOException, InterruptedException {
        long[] signalledAt = {0};
        SignalHandler onSignal = sig -> {
            synchronized (signalledAt) {
                if (signalledAt[0] == 0) {
                    signalledAt[0] = System.nanoTime();
                }
            }
            try {
                unmount();
            } catch (IOException e) {
                Log.info("unmounting on SIG" + sig.getName() + " failed: " + e.getMessage());
            }
        };
        Signal.handle(new Signal("INT"), onSignal);
        Signal.handle(new Signal("TERM"), onSignal);
        while (!session.awaitTermination(100, TimeUnit.MILLISECONDS)) {
            long since;
            synchronized (signalledAt) {
                since = signalledAt[0];
            }
            if (since != 0 && System.nanoTime() - since > TimeUnit.MILLISECONDS.toNanos(SIGNAL_GRACE_MS)) {
                Log.info("files are still open on the detached mount; exiting anyway");
                break;
            }
        }
        close();
        if (statsOnExit) {
            System.err.println(statsLine());
        }
        System.err.flush();
    }

    public void unmount() throws IOException {
        session.unmount();
    }

    @Override
    public void close() throws IOException {
        try {
            session.close();
        } finally {
            store.close();
            closeQuietly(ledger);
            image.close();
        }
    }
}
