package org.cfsj.mount;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.cfsj.fuse.DeviceId;
import org.cfsj.fuse.Log;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.FilesystemContext;
import org.cfsj.sys.PathNames;
import org.cfsj.sys.Stat;
import org.cfsj.sys.StatCalls;

/**
 * The service's registry of served images: gives out detached mounts of composefs images, with
 * at most one FUSE server per image, shared by every mount of it.
 *
 * <p>A FUSE mount of an image already served is a clone of that server's master mount (same
 * superblock, device and page cache) and starts nothing; a kernel mount is a new detached
 * composefs mount each time (the kernel shares the page cache by itself). The caller owns every
 * fd returned and attaches it with move_mount(2) wherever it wants.
 *
 * <p>An image is "the same" when the opened image file is (st_dev, st_ino, ctime), the object
 * directory is (st_dev, st_ino), and so are the options that change how it is served (see
 * {@link #servingOptions}).
 *
 * <p>Idle release: a server is closed once it has had no mounts for the idle period. "No mounts"
 * is asked of the kernel ({@link MountUsage}: no mount of its device in any mount namespace) and
 * of this registry's own record (no mount handed out within the idle period, since a handed-out
 * mount is in no table until attached). A periodic check does this; mounts of other images and
 * of already-served images never wait for it.
 *
 * <p>Thread-safe. Lock order: the registry's lock is never held while an image's lock is taken
 * or a server starts; each image's lock covers its start, clones and release, so a clone is never
 * taken from a server being closed. {@link #close()} releases every server.
 */
public final class ImageServers implements AutoCloseable {
    /** The service's default idle period. */
    public static final Duration DEFAULT_IDLE = Duration.ofMinutes(5);

    /**
     * What the service logs.
     *
     * @param servedImages images with a live FUSE server
     * @param attachedMounts mounts of those servers attached in any mount namespace now
     * @param mountsHandedOut FUSE mounts given out since the start
     * @param serversStarted FUSE servers started since the start
     */
    public record Stats(int servedImages, int attachedMounts, long mountsHandedOut, long serversStarted) {}

    /** What makes two mounts share a server. */
    private record Key(long imageDev, long imageIno, long imageCtimeSec, int imageCtimeNsec, long objectsDev,
            long objectsIno, MountOptions serving) {}

    /** One image and its server (null before the first mount and after release); guarded by itself. */
    private static final class Served {
        ComposefsServer server;
        DeviceId device;
        /**
         * Mounts stacked on this server's mounts (writable overlays), by their own device and when
         * they were stacked: mountinfo shows an overlay with its own device, never the FUSE one
         * below it, so each is looked for itself. Forgotten once not seen for the idle period.
         */
        final Map<DeviceId, Long> stacked = new HashMap<>();
        long lastHandedOut;
        long lastSeenMounted;
        boolean released;
    }

    private final long idleNanos;
    private final Map<Key, Served> served = new HashMap<>(); // guarded by this
    private final ScheduledExecutorService idleCheck;
    private final AtomicLong started = new AtomicLong();
    private final AtomicLong handedOut = new AtomicLong();
    private boolean closed; // guarded by this

    /** A registry whose servers are released after {@code idle} without mounts. */
    public ImageServers(Duration idle) {
        if (idle.isNegative() || idle.isZero()) {
            throw new IllegalArgumentException("the idle period must be positive, not " + idle);
        }
        this.idleNanos = idle.toNanos();
        this.idleCheck = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("cfsj-idle-servers").daemon(true).unstarted(r));
        long period = Math.clamp(idle.toMillis() / 4, 50, 30_000);
        idleCheck.scheduleWithFixedDelay(this::releaseIdle, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * A detached mount of {@code image} with file data from {@code objectsDir}: with
     * {@code fuse}, a clone of the image's one FUSE server (started if needed), else a new kernel
     * composefs mount. The caller owns the returned fd.
     */
    public int mount(Path image, Path objectsDir, MountOptions options, boolean fuse) throws IOException {
        if (!fuse) {
            return KernelComposefsMount.detached(image, objectsDir, options);
        }
        int imageFd = FileCalls.open(image.toString(), FileCalls.O_RDONLY | FileCalls.O_CLOEXEC, 0);
        try {
            Stat is = StatCalls.fstat(imageFd, image.toString());
            if (is.type() != Stat.S_IFREG) {
                throw new IOException(image + ": not a regular file");
            }
            Path objects = objectsDir.toRealPath();
            Stat os = StatCalls.statx(FileCalls.AT_FDCWD, PathNames.bytes(objects.toString()), 0,
                    objects.toString());
            if (!os.isDirectory()) {
                throw new IOException(objectsDir + ": not a directory");
            }
            Key key = new Key(is.dev(), is.ino(), is.ctimeSec(), is.ctimeNsec(), os.dev(), os.ino(),
                    servingOptions(options));
            while (true) {
                Served s = entry(key);
                synchronized (s) {
                    if (s.released) {
                        continue; // released between the look-up and now: take the new entry
                    }
                    try {
                        if (s.server != null && !s.server.isServing()) {
                            // its connection was aborted (by an administrator through fusectl, or a
                            // worker failed): its mounts are dead, new ones need a new server
                            Log.info("the FUSE server of " + image + " stopped; starting a new one");
                            s.server.close();
                            s.server = null;
                        }
                        if (s.server == null) {
                            s.server = start(image, imageFd, objects, options);
                            s.device = s.server.device();
                            started.incrementAndGet();
                        }
                        int fd = s.server.cloneMount();
                        s.lastHandedOut = System.nanoTime();
                        handedOut.incrementAndGet();
                        return fd;
                    } catch (IOException | RuntimeException e) {
                        if (s.server == null) {
                            s.released = true;
                            forget(key, s);
                        }
                        throw e;
                    }
                }
            }
        } finally {
            FileCalls.close(imageFd);
        }
    }

    /**
     * Records that the mount {@code stackedFd} (an overlay) was built on {@code imageMountFd}, a
     * mount {@link #mount} handed out: the image's server then stays while the overlay is mounted
     * anywhere, although the clone below it is in no mount table. A kernel mount (no server) is
     * ignored.
     */
    public void stacked(int imageMountFd, int stackedFd) throws IOException {
        DeviceId below = DeviceId.of(StatCalls.fstat(imageMountFd, "the image's mount"));
        DeviceId above = DeviceId.of(StatCalls.fstat(stackedFd, "the mount stacked on it"));
        for (Map.Entry<Key, Served> e : snapshot()) {
            Served s = e.getValue();
            synchronized (s) {
                if (below.equals(s.device) && !s.released) {
                    s.stacked.put(above, System.nanoTime());
                    return;
                }
            }
        }
    }

    /** The options that change what a server serves; the others (logging, kernel-only) are left at their defaults. */
    static MountOptions servingOptions(MountOptions o) {
        return MountOptions.builder().allowSuidDev(o.allowSuidDev()).insecure(o.insecure()).passthrough(o.passthrough())
                .threads(o.threads()).digestLedger(o.digestLedger()).build();
    }

    /** The server of the open image (named by its fd, so the file checked is the file served). */
    private static ComposefsServer start(Path image, int imageFd, Path objects, MountOptions options) throws IOException {
        String byFd = FilesystemContext.fdPath(imageFd);
        try {
            return ComposefsServer.startDetached(Path.of(byFd), objects, options.toBuilder().quiet(true).statsOnExit(false).build());
        } catch (IOException e) {
            throw new IOException(String.valueOf(e.getMessage()).replace(byFd, image.toString()), e);
        }
    }

    private synchronized Served entry(Key key) throws IOException {
        if (closed) {
            throw new IOException("the image servers are shut down");
        }
        return served.computeIfAbsent(key, k -> new Served());
    }

    private synchronized void forget(Key key, Served s) {
        served.remove(key, s);
    }

    private synchronized List<Map.Entry<Key, Served>> snapshot() {
        return new ArrayList<>(served.entrySet());
    }

    /** The periodic check: closes every server with no mount anywhere and none handed out within the idle period. */
    private void releaseIdle() {
        try {
            List<Map.Entry<Key, Served>> all = snapshot();
            if (all.isEmpty()) {
                return;
            }
            long scanStart = System.nanoTime();
            MountUsage.Counts usage = MountUsage.scan(devices(all));
            for (Map.Entry<Key, Served> e : all) {
                Served s = e.getValue();
                boolean release;
                synchronized (s) {
                    if (s.server == null || s.released) {
                        continue;
                    }
                    boolean stackedInUse = false;
                    for (var it = s.stacked.entrySet().iterator(); it.hasNext(); ) {
                        Map.Entry<DeviceId, Long> st = it.next();
                        if (usage.maybeInUse(st.getKey())) {
                            st.setValue(scanStart);
                            stackedInUse = true;
                        } else if (scanStart - st.getValue() >= idleNanos) {
                            it.remove();
                        }
                    }
                    if (usage.maybeInUse(s.device) || stackedInUse) {
                        s.lastSeenMounted = scanStart;
                        continue;
                    }
                    long now = System.nanoTime();
                    release = now - s.lastHandedOut >= idleNanos && now - s.lastSeenMounted >= idleNanos;
                    if (release) {
                        closeServer(s);
                    }
                }
                if (release) {
                    forget(e.getKey(), s);
                }
            }
        } catch (RuntimeException | Error e) {
            Log.info("checking served images for idleness failed: " + e); // the next check tries again
        }
    }

    private static Set<DeviceId> devices(List<Map.Entry<Key, Served>> all) {
        Set<DeviceId> devices = new HashSet<>();
        for (Map.Entry<Key, Served> e : all) {
            Served s = e.getValue();
            synchronized (s) {
                if (s.device != null) {
                    devices.add(s.device);
                }
                devices.addAll(s.stacked.keySet());
            }
        }
        return devices;
    }

    /** Closes an image's server (its lock held); the entry is then never used again. */
    private static void closeServer(Served s) {
        s.released = true;
        try {
            s.server.close();
        } catch (IOException e) {
            Log.info("closing an idle image server: " + e.getMessage());
        }
        s.server = null;
    }

    /** The counters, with the attached mounts from a fresh scan. */
    public Stats stats() {
        List<Map.Entry<Key, Served>> all = snapshot();
        MountUsage.Counts usage = MountUsage.scan(devices(all));
        int servedImages = 0;
        for (Map.Entry<Key, Served> e : all) {
            Served s = e.getValue();
            synchronized (s) {
                if (s.server != null) {
                    servedImages++;
                }
            }
        }
        return new Stats(servedImages, usage.total(), handedOut.get(), started.get());
    }

    /** Stops the idle check and closes every server: readers of mounts still attached get errors. */
    @Override
    public void close() {
        List<Map.Entry<Key, Served>> all;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            all = new ArrayList<>(served.entrySet());
            served.clear();
        }
        idleCheck.shutdownNow();
        try {
            idleCheck.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Map.Entry<Key, Served> e : all) {
            Served s = e.getValue();
            synchronized (s) {
                if (s.server != null) {
                    closeServer(s);
                }
                s.released = true;
            }
        }
    }
}
