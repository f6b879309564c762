package org.cfsj.fuse;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.cfsj.fuse.fs.CachePolicy;
import org.cfsj.fuse.fs.FsContext;
import org.cfsj.fuse.fs.ReadOnlyFilesystem;
import org.cfsj.fuse.kernel.InHeader;
import org.cfsj.fuse.kernel.InitIn;
import org.cfsj.fuse.kernel.Kernel;
import org.cfsj.fuse.kernel.Opcode;
import org.cfsj.posix.EffectiveUser;
import org.cfsj.sys.Errno;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.Io;
import org.cfsj.sys.SysException;

/**
 * A mounted FUSE filesystem being served: the mount, the INIT handshake, the worker threads and
 * the way it ends.
 *
 * <p>Requests travel by the {@link Transport} chosen at INIT: FUSE over io_uring when the
 * options want it and the kernel offers it (its rings are made before the INIT reply promises
 * them; with {@link TransportChoice#URING} the session fails without it), else /dev/fuse.
 *
 * <p>Lifecycle: {@link #start} mounts, answers INIT and starts the workers. The session ends
 * when the filesystem is unmounted — by {@link #unmount()} (e.g. on SIGTERM) or by someone
 * else ({@code umount}, {@code fusermount3 -u}): the kernel then fails every read of /dev/fuse
 * with ENODEV and the workers stop. {@link #awaitTermination()} waits for that; {@link #close()}
 * unmounts if needed, waits, closes every fd and lets the filesystem release what it holds.
 *
 * <p>A {@link #startDetached detached} session has no mount point: it holds the master detached
 * mount, and its owner hands out clones ({@link #cloneMount()}) that others attach. It ends when
 * the last mount of the superblock is gone (kernel: connection aborted, reads fail with ENODEV)
 * or when the owner closes it: {@link #close()} aborts the connection through fusectl, so a
 * reader of a clone still attached somewhere gets ENOTCONN at once instead of waiting.
 */
public final class Session implements AutoCloseable {
    private final ReadOnlyFilesystem fs;
    private final FuseMount mount;
    private final SessionOptions options;
    private final Stats stats = new Stats();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Transport> transports = new ArrayList<>();
    private final CountDownLatch ended = new CountDownLatch(1);
    private final Notifications notifications;
    private volatile boolean stopping;
    private volatile boolean closed;
    /**
     * Backing-id ioctls share it; closing /dev/fuse takes it exclusively and sets {@link
     * #deviceClosed}: once closed, the fd's number may belong to another session's /dev/fuse in
     * this process, whose backing ids an ioctl on it would free.
     */
    private final ReadWriteLock deviceLock = new ReentrantReadWriteLock();
    private boolean deviceClosed;
    private InitNegotiation.Result init;
    private DeviceId device;
    private RingTransport ring; // made at INIT when io_uring is wanted and offered
    private Transport transport; // the one serving requests

    private Session(ReadOnlyFilesystem fs, FuseMount mount, SessionOptions options) {
        this.fs = fs;
        this.mount = mount;
        this.options = options;
        this.notifications = new Notifications(mount.fd());
    }

    /** Mounts {@code fs} at {@code mountpoint} and serves it until unmounted. Nothing is left mounted on failure. */
    public static Session start(ReadOnlyFilesystem fs, Path mountpoint, SessionOptions options) throws IOException {
        return begin(fs, FuseMount.mount(mountpoint, options), options);
    }

    /**
     * As root: serves {@code fs} on a new FUSE superblock with no mount point (see the class
     * comment); mounts of it come from {@link #cloneMount()}. Nothing is left on failure.
     */
    public static Session startDetached(ReadOnlyFilesystem fs, SessionOptions options) throws IOException {
        return begin(fs, FuseMount.detached(options), options);
    }

    private static Session begin(ReadOnlyFilesystem fs, FuseMount mount, SessionOptions options) throws IOException {
        Session session = new Session(fs, mount, options);
        try {
            session.handshake();
            session.startTransport();
            session.findDevice();
            session.raiseReadahead();
            return session;
        } catch (IOException | RuntimeException | Error e) {
            session.stopping = true;
            if (mount.isDetached()) {
                // no clone exists yet: closing the master ends the superblock and the connection
                FileCalls.close(mount.mountFd());
                try {
                    session.awaitWorkers(5, TimeUnit.SECONDS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            } else {
                try {
                    mount.unmount(true);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            session.closeFds();
            throw e;
        }
    }

    public Stats stats() {
        return stats;
    }

    /** Where the filesystem is mounted, or null for a detached session. */
    public Path mountpoint() {
        return mount.mountpoint();
    }

    /** The mount point, or "a detached mount", for messages. */
    public String describe() {
        return mount.describe();
    }

    /** The superblock's device: every mount of this filesystem shows it in mountinfo. */
    public DeviceId device() {
        return device;
    }

    /**
     * A new detached mount of a {@link #startDetached detached} session's filesystem: same
     * superblock, device and page cache, attached by the caller (who owns the fd) with move_mount.
     */
    public synchronized int cloneMount() throws IOException {
        if (closed || stopping) {
            throw new IOException("the FUSE server is stopping");
        }
        return mount.cloneMount();
    }

    /** The FUSE protocol minor version in use. */
    public int protocolMinor() {
        return init.minor();
    }

    /** How requests travel: {@code io_uring} or {@code dev} (/dev/fuse). */
    public String transport() {
        return transport == null ? "none" : transport.name();
    }

    /** True when the kernel granted passthrough. */
    public boolean passthroughGranted() {
        return init.has(Kernel.PASSTHROUGH);
    }

    /** Reads INIT from the session fd and answers it, before any worker exists. */
    private void handshake() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(Worker.IN_BUFFER_SIZE, 4096);
            MemorySegment out = arena.allocate(Worker.OUT_BUFFER_SIZE, 4096);
            DeviceReply reply = new DeviceReply(mount.fd(), out, arena.allocate(32, 8));
            while (true) {
                int n = (int) Io.read(mount.fd(), in, Worker.IN_BUFFER_SIZE);
                if (n < InHeader.SIZE) {
                    throw new IOException("the kernel sent a " + n + "-byte message instead of INIT");
                }
                InHeader h = InHeader.read(in, 0);
                stats.countRequest(h.opcode());
                if (h.opcode() != Opcode.INIT.code()) {
                    throw new IOException("the kernel sent opcode " + h.opcode() + " before INIT");
                }
                int bodyLength = n - InHeader.SIZE;
                if (bodyLength < 16) {
                    throw new IOException("the kernel's INIT request is too short (" + bodyLength + " bytes)");
                }
                // kernels before 7.36 send 16 bytes: read what is there, the rest as zeros
                MemorySegment body = arena.allocate(InitIn.SIZE, 8);
                MemorySegment.copy(in, InHeader.SIZE, body, 0, Math.min(bodyLength, InitIn.SIZE));
                InitIn offer = InitIn.read(body, 0);
                if (offer.major() == Kernel.KERNEL_VERSION && ring == null) {
                    String refusal = prepareRing(InitNegotiation.offered(offer, bodyLength));
                    if (refusal != null) {
                        reply.error(h.unique(), Errno.EPROTO);
                        throw new IOException(refusal);
                    }
                }
                InitNegotiation.Result r = InitNegotiation.negotiate(offer, bodyLength, options.passthrough(), ring != null);
                if (r.reply() == null) {
                    reply.error(h.unique(), -r.error());
                    throw new IOException(r.problem());
                }
                r.reply().write(reply.payload(), 0);
                reply.ok(h.unique(), org.cfsj.fuse.kernel.InitOut.SIZE);
                if (r.reply().major() == Kernel.KERNEL_VERSION && InitIn.read(body, 0).major() == Kernel.KERNEL_VERSION) {
                    init = r;
                    break;
                }
                // the kernel spoke a newer major version: it answers our version with a new INIT
            }
        }
        if (options.passthrough() && !init.has(Kernel.PASSTHROUGH)) {
            Log.info("the kernel did not grant FUSE passthrough (needs Linux 6.9+ with CONFIG_FUSE_PASSTHROUGH);"
                    + " file data is served by the server");
        }
        fs.init(new Context());
    }

    /**
     * Makes the io_uring rings if the options want them and the kernel offers FUSE_OVER_IO_URING.
     * Returns why the session must not start ({@link TransportChoice#URING} without io_uring), else null.
     */
    private String prepareRing(long offered) {
        if (!options.transport().wantsUring()) {
            return null;
        }
        String unavailable;
        if ((offered & Kernel.OVER_IO_URING) == 0) {
            unavailable = RingTransport.whyNotOffered();
        } else {
            try {
                ring = RingTransport.prepare(mount.fd(), options.threads(), SessionOptions.MAX_READ);
                transports.add(ring);
                return null;
            } catch (IOException e) {
                unavailable = e.getMessage();
                if (options.transport() != TransportChoice.URING) {
                    // the kernel offers io_uring, so someone turned it on: say why it is not used
                    Log.info("FUSE over io_uring is unavailable (" + unavailable + "); serving through /dev/fuse");
                }
            }
        }
        return options.transport() == TransportChoice.URING ? "FUSE over io_uring is unavailable: " + unavailable : null;
    }

    /** Starts serving through io_uring if INIT granted it and every entry registers, else through /dev/fuse. */
    private void startTransport() throws IOException {
        CachePolicy own = fs.cachePolicy();
        var t = options.metadataTimeout();
        CachePolicy policy = t == null ? own : new CachePolicy(t, t, t, own.keepCache(), own.cacheDir());
        Function<Reply, Dispatcher> dispatchers = reply -> new Dispatcher(fs, policy, stats, reply);
        if (ring != null && init.has(Kernel.OVER_IO_URING)) {
            try {
                ring.start(this, dispatchers, threads);
                transport = ring;
            } catch (IOException e) {
                if (options.transport() == TransportChoice.URING) {
                    throw new IOException("FUSE over io_uring failed: " + e.getMessage(), e);
                }
                Log.info("FUSE over io_uring failed (" + e.getMessage() + "); serving through /dev/fuse");
            }
        }
        if (transport == null) {
            DeviceTransport dev = new DeviceTransport(mount.fd(), options.threads());
            transports.add(dev);
            dev.start(this, dispatchers, threads);
            transport = dev;
        }
        stats.transport(transport.name());
    }

    /** The device, which a detached session cannot do without (it is how the connection is aborted). */
    private void findDevice() throws IOException {
        try {
            device = DeviceId.of(mount.rootStat());
        } catch (IOException e) {
            if (mount.isDetached()) {
                throw e;
            }
            // attached: only the readahead tuning needs it
        }
    }

    /**
     * The kernel gives a new FUSE mount 128 KiB of readahead, so sequential reads arrive as many
     * small requests; raising it to the largest request (1 MiB, as root, for this mount's bdi
     * only) roughly halves the requests and the time of a large sequential read. Best effort.
     */
    private void raiseReadahead() {
        try {
            if (device == null || !EffectiveUser.isRoot()) {
                return;
            }
            Path knob = Path.of("/sys/class/bdi", device.toString(), "read_ahead_kb");
            int wanted = SessionOptions.MAX_READ / 1024;
            if (Integer.parseInt(Files.readString(knob).strip()) < wanted) {
                Files.writeString(knob, Integer.toString(wanted));
            }
        } catch (IOException | RuntimeException e) {
            // no sysfs, or not allowed: the default readahead works, only slower
        }
    }

    boolean stopping() {
        return stopping;
    }

    /** True until the session starts to stop (closed, unmounted, or its connection gone). */
    public boolean isServing() {
        return !stopping && !closed;
    }

    /** A worker saw the device go away (unmount): the session is over. */
    void deviceGone() {
        stopping = true;
        mount.forgetMounted();
        ended.countDown();
    }

    /** Unmounts (lazily: open files keep the detached filesystem alive until closed); the workers then stop. */
    public void unmount() throws IOException {
        stopping = true;
        mount.unmount(true);
    }

    /** Waits until the filesystem is unmounted and every worker has stopped. */
    public void awaitTermination() throws InterruptedException {
        ended.await();
        for (Thread t : threads) {
            t.join();
        }
    }

    /** Like {@link #awaitTermination()} with a limit; returns false on timeout. */
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        if (!ended.await(timeout, unit)) {
            return false;
        }
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return !t.isAlive();
            }
            TimeUnit.NANOSECONDS.timedJoin(t, left);
        }
        return threads.stream().noneMatch(Thread::isAlive);
    }

    /** Unmounts if still mounted, waits (briefly) for the workers, closes the fds, releases the filesystem. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        try {
            if (mount.isDetached()) {
                abortDetached();
            } else if (mount.isMounted()) {
                unmount();
            }
        } catch (IOException e) {
            failure = e;
        }
        boolean done;
        try {
            done = awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done = false;
        }
        // the filesystem first: what it releases (backing ids) goes through the still-open fd
        fs.destroy();
        if (done) {
            closeFds();
        } else {
            // a worker is still blocked reading a detached mount that has open files: its fd stays
            // open until the process exits (closing it would not wake it)
            Log.info(mount.isDetached()
                    ? "mounts of the detached FUSE filesystem are still in use (its connection was not aborted); its fds stay open"
                    : "the mount at " + mount.mountpoint() + " is detached but still in use; its fds stay open");
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Stops a detached session: aborts the connection (clones attached elsewhere fail at once
     * rather than hang), then lets go of the master mount. Without fusectl, closing the master
     * still ends the connection when no clone is attached.
     */
    private void abortDetached() throws IOException {
        stopping = true;
        try {
            if (!ended()) {
                FuseControl.abort(device);
            }
        } finally {
            FileCalls.close(mount.mountFd());
        }
    }

    private boolean ended() {
        return ended.getCount() == 0;
    }

    /** Waits (limited) for the worker threads only. */
    private void awaitWorkers(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                TimeUnit.NANOSECONDS.timedJoin(t, left);
            }
        }
    }

    private void closeFds() {
        notifications.close();
        transports.forEach(Transport::close);
        deviceLock.writeLock().lock();
        try {
            deviceClosed = true;
            FileCalls.close(mount.fd());
        } finally {
            deviceLock.writeLock().unlock();
        }
    }

    /** What the filesystem may use of the connection. */
    private final class Context implements FsContext {
        @Override
        public boolean passthroughAvailable() {
            return init.has(Kernel.PASSTHROUGH);
        }

        @Override
        public int openBacking(int fd) throws IOException {
            deviceLock.readLock().lock();
            try {
                if (deviceClosed) {
                    throw new IOException("the FUSE connection is closed");
                }
                return FuseDevice.openBacking(mount.fd(), fd);
            } finally {
                deviceLock.readLock().unlock();
            }
        }

        @Override
        public boolean storeData(long node, long offset, MemorySegment data) {
            return notifications.store(node, offset, data);
        }

        @Override
        public void closeBacking(int backingId) {
            deviceLock.readLock().lock();
            try {
                if (!deviceClosed) { // else the fd number is not ours any more; the kernel freed our ids with the connection
                    FuseDevice.closeBacking(mount.fd(), backingId);
                }
            } catch (SysException e) {
                // the connection may already be gone, which released every backing id
            } finally {
                deviceLock.readLock().unlock();
            }
        }
    }
}
