package org.cfsj.objects;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.cfsj.sys.Errno;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.Io;
import org.cfsj.sys.PathNames;
import org.cfsj.sys.Stat;
import org.cfsj.sys.StatCalls;
import org.cfsj.sys.VerityIoctl;
import org.cfsj.sys.VerityIoctl.Measurement;
import org.cfsj.verity.DigestLedger;
import org.cfsj.verity.FsVerity;
import org.cfsj.verity.VerityAlgorithm;

/**
 * A composefs object directory ({@code xx/rest-of-hex-digest}) from which every object is handed
 * out only after it was checked against the fs-verity digest it should have: the one way objects
 * are read, by the FUSE server (against the digest its image records), by the repository's object
 * store (against the object's name), and by {@code fsck} ({@link #recomputeAll}). An object is
 * opened below the directory without crossing a symlink ({@link ConfinedOpen}) and must be a
 * regular file.
 *
 * <p>How an object is checked, in order:
 * <ol>
 *   <li>not at all if the store is insecure; otherwise a file for which the image has no digest
 *       is refused ({@link MissingDigestException}), as nothing could vouch for its content;
 *   <li>by the kernel, if the file has fs-verity enabled ({@code FS_IOC_MEASURE_VERITY}): the
 *       kernel then also guards every later read, so this costs one ioctl per open;
 *   <li>otherwise in user space: the file's fs-verity digest is computed on its first open and
 *       remembered per file (name, device, inode, size, mtime, ctime), so later opens are free and
 *       a bad object keeps failing fast until it is replaced. With a {@link DigestLedger} the digest
 *       is also remembered across processes: a later server finds it there instead of hashing the
 *       file again, as long as the file has not changed since (see the ledger for why that holds).
 *       This proves the content at the time it was checked; unlike kernel fs-verity, it does not
 *       guard each later read against someone with root access to the object directory's disk.
 * </ol>
 *
 * <p>User-space digests run on the caller's thread with one hashing thread per object: a FUSE
 * server opens from several workers at once, and letting each fan out over every core would
 * oversubscribe the machine just when it is busiest. A large object's first open therefore takes
 * about size / (single-core hash speed); later opens are free.
 *
 * <p>Thread-safe. The store owns no threads; {@link #close()} releases the directory fd and the
 * digest cache, and must not race with {@link #open} (later opens fail).
 */
public final class VerifiedObjects implements AutoCloseable {
    /** Default cap on remembered digests; each costs a few hundred bytes. */
    public static final int DEFAULT_CACHE_ENTRIES = 1 << 18;

    private static final int OPEN_FLAGS =
            // O_NONBLOCK: opening a FIFO planted in the store would otherwise hang the worker
            // forever; for the regular files that are served it changes nothing.
            FileCalls.O_RDONLY | FileCalls.O_CLOEXEC | FileCalls.O_NOFOLLOW | FileCalls.O_NONBLOCK;
    /** For {@link #exists}: the last name itself, whatever it is, without opening its content. */
    private static final int PRESENCE_FLAGS = FileCalls.O_PATH | FileCalls.O_NOFOLLOW | FileCalls.O_CLOEXEC;
    private static final int AT_EMPTY_PATH = 0x1000;
    private static final byte[] EMPTY_PATH = new byte[0];
    /** How many objects {@link #recomputeAll} holds open at once. */
    private static final int RECOMPUTE_CHUNK = 512;
    /** What {@link #verify} goes on with where the filesystem has no fs-verity to ask. */
    private static final Measurement NOT_MEASURED = new Measurement.Unavailable(Errno.ENOTTY);
    private static final System.Logger LOG = System.getLogger(VerifiedObjects.class.getName());

    private final Path basedir;
    private final boolean insecure;
    private final String verityMode;
    /**
     * False when the directory's filesystem has no fs-verity: then no object below it can have it
     * enabled (short of another filesystem mounted inside the store, whose objects are then checked
     * in user space, as strictly), and the per-object FS_IOC_MEASURE_VERITY is skipped.
     */
    private final boolean kernelVerity;
    private final DigestCache cache;
    private final DigestLedger ledger;
    private final LongAdder ledgerHits = new LongAdder();
    private final AtomicBoolean ledgerFailed = new AtomicBoolean();
    private final LongAdder kernelMeasurements = new LongAdder();
    private final LongAdder failures = new LongAdder();
    /** Opens share it; close takes it exclusively so the directory fd is never reused under an open. */
    private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private int dirfd;

    /**
     * @param basedir an existing directory holding objects as {@code xx/rest-of-hex-digest}
     * @param insecure serve objects without checking them (for the {@code --insecure} option)
     */
    public VerifiedObjects(Path basedir, boolean insecure) throws IOException {
        this(basedir, insecure, DEFAULT_CACHE_ENTRIES, null);
    }

    /**
     * As above, remembering at most {@code maxCacheEntries} user-space digests in memory, and all
     * of them in {@code ledger} if not null (the store does not close it).
     */
    public VerifiedObjects(Path basedir, boolean insecure, int maxCacheEntries, DigestLedger ledger) throws IOException {
        if (!Files.isDirectory(basedir)) {
            throw Files.exists(basedir, LinkOption.NOFOLLOW_LINKS) || Files.exists(basedir)
                    ? new NotDirectoryException("object store " + basedir + " is not a directory")
                    : new IOException("object store " + basedir + " does not exist");
        }
        this.basedir = basedir.toRealPath();
        this.insecure = insecure;
        this.cache = new DigestCache(maxCacheEntries);
        this.ledger = ledger;
        this.dirfd = FileCalls.openat(FileCalls.AT_FDCWD, PathNames.bytes(this.basedir),
                FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, "object store " + this.basedir);
        this.kernelVerity = !insecure && kernelVerityPossible(dirfd);
        this.verityMode = insecure ? "INSECURE: not checked (--insecure)" : kernelVerity
                ? "kernel fs-verity (FS_IOC_MEASURE_VERITY); user-space digest check on first open "
                        + "for objects without fs-verity enabled"
                : "user-space digest check on first open (filesystem has no fs-verity)";
    }

    /**
     * A directory answers FS_IOC_MEASURE_VERITY with ENODATA where fs-verity works (no directory
     * has it enabled) and with ENOTTY/EOPNOTSUPP where it does not, so the store can say up front
     * which check its objects will get.
     */
    private static boolean kernelVerityPossible(int dirfd) {
        return VerityIoctl.measure(dirfd) instanceof Measurement.Unavailable u && u.errno() == Errno.ENODATA;
    }

    /**
     * Opens {@code basedir/payload} read-only and checks it against {@code expectedDigest}.
     *
     * @param payload the object's path relative to the store, as an image's redirect xattr names it
     *     ("ab/cdef..."); bytes as ISO-8859-1 chars. Absolute paths and ".." are refused, and no
     *     component may be a symlink ({@link ConfinedOpen}): the path never leaves the store.
     * @param expectedDigest the fs-verity digest the image records, or null if it has none (then the
     *     object is refused, unless the store is insecure); its length says its algorithm (sha256
     *     or sha512, {@link VerityAlgorithm#ofDigest}), which the object is checked with
     * @return the open object; close its fd with {@link #close(int)}
     * @throws org.cfsj.sys.SysException if the object cannot be opened ({@code errno()} says
     *     why, e.g. ENOENT)
     * @throws ObjectVerificationException if its content does not match {@code expectedDigest}
     * @throws MissingDigestException if {@code expectedDigest} is null and the store is not insecure
     * @throws IOException for a bad payload, a non-regular file, or an I/O error while checking
     */
    public OpenObject open(String payload, byte[] expectedDigest) throws IOException {
        byte[] name = Payloads.toRelativeName(payload);
        if (expectedDigest != null && VerityAlgorithm.ofDigestSize(expectedDigest.length) == null) {
            throw new IOException("object " + payload + ": expected a sha256 (32-byte) or sha512 (64-byte) fs-verity"
                    + " digest, got " + expectedDigest.length + " bytes");
        }
        if (expectedDigest == null && !insecure) {
            throw new MissingDigestException(payload);
        }
        String what = basedir + "/" + payload;
        Opened o = openRegular(name, what);
        int fd = o.fd();
        Stat st = o.stat();
        boolean handedOut = false;
        try {
            FileIdentity checked = insecure ? null : verify(fd, payload, what, st, expectedDigest);
            handedOut = true;
            return new OpenObject(fd, st.size(), checked);
        } finally {
            if (!handedOut) {
                FileCalls.close(fd);
            }
        }
    }

    /**
     * Opens and checks object {@code payload} as {@link #open} does, and returns its bytes as a
     * stream: of the very file that was checked (reopened through its {@code /proc/self/fd} link,
     * which names the open inode, not a path that could be swapped meanwhile).
     */
    public InputStream newInputStream(String payload, byte[] expectedDigest) throws IOException {
        OpenObject o = open(payload, expectedDigest);
        try {
            return Files.newInputStream(Path.of("/proc/self/fd/" + o.fd()));
        } finally {
            FileCalls.close(o.fd());
        }
    }

    /** What {@link #recomputeAll} found for one object. */
    @FunctionalInterface
    public interface RecomputeSink {
        /**
         * @param payload the object, as passed in
         * @param digest  its recomputed fs-verity digest, or null if it could not be read
         * @param failure why it could not be read (not a regular file, a symlink on the way, ...), or null
         */
        void accept(String payload, byte[] digest, IOException failure) throws IOException;
    }

    /**
     * Recomputes the fs-verity digest of each object in user space, trusting neither the kernel's
     * measurement nor a remembered digest (what {@code fsck} needs: it looks for damage those
     * would hide). Each object is opened as {@link #open} opens it; the hashing runs on
     * {@code threads} threads (0: one per processor) as {@link FsVerity#digestAll} does. The sink
     * gets the objects in the order given, on the caller's thread.
     */
    public void recomputeAll(List<String> payloads, VerityAlgorithm algorithm, int threads, RecomputeSink sink)
            throws IOException {
        for (int from = 0; from < payloads.size(); from += RECOMPUTE_CHUNK) {
            List<String> chunk = payloads.subList(from, Math.min(payloads.size(), from + RECOMPUTE_CHUNK));
            recomputeChunk(chunk, algorithm, threads, sink);
        }
    }

    /** One bounded group of {@link #recomputeAll}, so that at most a chunk's fds are open at once. */
    private void recomputeChunk(List<String> chunk, VerityAlgorithm algorithm, int threads, RecomputeSink sink)
            throws IOException {
        int[] fds = new int[chunk.size()];
        Arrays.fill(fds, -1);
        IOException[] failures = new IOException[chunk.size()];
        byte[][] digests = new byte[chunk.size()][];
        try {
            List<Path> opened = new ArrayList<>();
            List<Integer> index = new ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                String payload = chunk.get(i);
                String what = basedir + "/" + payload;
                try {
                    fds[i] = openRegular(Payloads.toRelativeName(payload), what).fd();
                    opened.add(Path.of("/proc/self/fd/" + fds[i]));
                    index.add(i);
                } catch (IOException e) {
                    failures[i] = e;
                }
            }
            int[] next = {0};
            FsVerity.digestAll(opened, algorithm.params(), threads,
                    (file, digest) -> digests[index.get(next[0]++)] = digest);
        } finally {
            for (int fd : fds) {
                if (fd >= 0) {
                    FileCalls.close(fd);
                }
            }
        }
        for (int i = 0; i < chunk.size(); i++) {
            sink.accept(chunk.get(i), digests[i], failures[i]);
        }
    }

    /**
     * Whether object {@code payload} is present: reached below the directory without crossing a
     * symlink on the way ({@link ConfinedOpen}); the last name may be anything, itself (not
     * followed), and its content is not looked at. Any failure to look it up counts as missing,
     * so the answer says nothing about files outside the directory.
     */
    public boolean exists(String payload) {
        try {
            FileCalls.close(openInStore(Payloads.toRelativeName(payload), PRESENCE_FLAGS, basedir + "/" + payload));
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The first bytes (at most {@code max}) of object {@code payload}, opened as {@link #open}
     * opens it (confined, a regular file) but NOT checked against a digest: only for deciding
     * how to read an object (its format's magic), which a checked read must then confirm.
     */
    public byte[] head(String payload, int max) throws IOException {
        String what = basedir + "/" + payload;
        int fd = openRegular(Payloads.toRelativeName(payload), what).fd();
        try (InputStream in = Files.newInputStream(Path.of("/proc/self/fd/" + fd))) {
            return in.readNBytes(max);
        } finally {
            FileCalls.close(fd);
        }
    }

    /**
     * Asks the kernel to start reading object {@code payload} from disk (POSIX_FADV_WILLNEED),
     * without waiting and without checking it: {@link #open} still checks it before any of its
     * bytes is served. The object is opened as {@link #open} opens it (never out of the store).
     * Best effort: a missing or unreadable object is ignored here.
     */
    public void willNeed(String payload) {
        try {
            int fd = openInStore(Payloads.toRelativeName(payload), basedir + "/" + payload);
            try {
                Io.posixFadvise(fd, 0, 0, Io.POSIX_FADV_WILLNEED); // length 0: to the end
            } finally {
                FileCalls.close(fd);
            }
        } catch (IOException | RuntimeException e) {
            // open() will meet and report the same problem
        }
    }

    /** An object opened by {@link #openRegular}: its fd, which the caller closes, and what statx said. */
    private record Opened(int fd, Stat stat) {}

    /** Opens an object as {@link #openInStore} does and checks it is a regular file; closes it if not. */
    private Opened openRegular(byte[] name, String what) throws IOException {
        int fd = openInStore(name, what);
        try {
            Stat st = StatCalls.statx(fd, EMPTY_PATH, AT_EMPTY_PATH, what);
            if (st.type() != Stat.S_IFREG) {
                throw new IOException(what + ": object is not a regular file");
            }
            return new Opened(fd, st);
        } catch (IOException | RuntimeException e) {
            FileCalls.close(fd);
            throw e;
        }
    }

    private int openInStore(byte[] name, String what) throws IOException {
        return openInStore(name, OPEN_FLAGS, what);
    }

    private int openInStore(byte[] name, int flags, String what) throws IOException {
        lifecycle.readLock().lock();
        try {
            if (dirfd < 0) {
                throw new IOException("object store " + basedir + " is closed");
            }
            return ConfinedOpen.open(dirfd, name, flags, what);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * Whether {@code o}'s file is still as it was when its digest was checked in user space (its
     * name, inode, size, mtime and ctime; see {@link FileIdentity}), so that a kept object may be
     * used again without another check. Asked of the kept fd if it has one, else of the name in
     * the store (then a replaced object also counts as changed). Always true for objects kernel
     * fs-verity guards or that were not checked; false if the file cannot be looked at.
     */
    public boolean stillAsChecked(OpenObject o) {
        FileIdentity checked = o.checkedInUserSpace();
        if (checked == null) {
            return true;
        }
        String what = basedir + "/" + checked.payload();
        try {
            Stat now;
            if (o.fd() >= 0) {
                now = StatCalls.statx(o.fd(), EMPTY_PATH, AT_EMPTY_PATH, what);
            } else {
                int fd = openInStore(Payloads.toRelativeName(checked.payload()), PRESENCE_FLAGS, what);
                try {
                    now = StatCalls.statx(fd, EMPTY_PATH, AT_EMPTY_PATH, what);
                } finally {
                    FileCalls.close(fd);
                }
            }
            return FileIdentity.of(checked.payload(), now).equals(checked);
        } catch (IOException | RuntimeException e) {
            return false; // a fresh open will report what is wrong
        }
    }

    /** Checks the object; returns what it was checked as in user space, or null if the kernel measured it. */
    private FileIdentity verify(int fd, String payload, String what, Stat st, byte[] expected) throws IOException {
        VerityAlgorithm alg = VerityAlgorithm.ofDigest(expected);
        switch (kernelVerity ? VerityIoctl.measure(fd) : NOT_MEASURED) {
            case Measurement.Enabled kernel -> {
                kernelMeasurements.increment();
                if (kernel.algorithm() != alg.code() || !Arrays.equals(kernel.digest(), expected)) {
                    failures.increment();
                    throw new ObjectVerificationException(payload, expected, kernel.digest(),
                            "measured by kernel fs-verity, " + kernel.algorithmName());
                }
                return null;
            }
            case Measurement.Unavailable _ -> {
                FileIdentity id = FileIdentity.of(payload, st);
                byte[] actual = cache.digest(id, () -> fromLedgerOrHashed(fd, id, st, what, expected));
                if (actual.length != expected.length) {
                    // remembered for another algorithm (an image may name one object with both)
                    actual = fromLedgerOrHashed(fd, id, st, what, expected);
                }
                if (!Arrays.equals(actual, expected)) {
                    failures.increment();
                    throw new ObjectVerificationException(payload, expected, actual, "computed in user space");
                }
                return id;
            }
            case Measurement.Failed f -> throw new IOException(what + ": FS_IOC_MEASURE_VERITY: " + f.message());
        }
    }

    /**
     * The ledger's digest for the file if it has one that matches what the image expects, else the
     * digest computed now (and recorded). A recorded digest that does not match is not believed:
     * the file is hashed again, so a stale or wrong record can never make a good object fail.
     */
    private byte[] fromLedgerOrHashed(int fd, FileIdentity id, Stat st, String what, byte[] expected)
            throws IOException {
        if (ledger != null) {
            byte[] known = ledger.lookup(st, VerityAlgorithm.ofDigest(expected));
            if (known != null && Arrays.equals(known, expected)) {
                ledgerHits.increment();
                return known;
            }
        }
        byte[] digest = digestInUserSpace(fd, id, what, VerityAlgorithm.ofDigest(expected));
        if (ledger != null) {
            try {
                ledger.record(st, digest);
            } catch (IOException e) {
                // the object was checked; only a later server's shortcut is lost (e.g. disk full)
                if (ledgerFailed.compareAndSet(false, true)) {
                    LOG.log(System.Logger.Level.INFO, "cannot record digests in " + ledger.file() + " (" + e.getMessage()
                            + "); objects are still checked, later servers will hash them again");
                }
            }
        }
        return digest;
    }

    /**
     * Hashes the very file {@code fd} refers to (through its /proc/self/fd link, which reopens the
     * inode even if it was renamed meanwhile) and makes sure it did not change while being read.
     */
    private static byte[] digestInUserSpace(int fd, FileIdentity id, String what, VerityAlgorithm alg)
            throws IOException {
        byte[] digest;
        try {
            digest = FsVerity.digest(Path.of("/proc/self/fd/" + fd), alg.params(), 1);
        } catch (IOException e) {
            throw new IOException(what + ": cannot compute fs-verity digest: " + e.getMessage(), e);
        }
        Stat after = StatCalls.statx(fd, EMPTY_PATH, AT_EMPTY_PATH, what);
        if (!FileIdentity.of(id.payload(), after).equals(id)) {
            throw new IOException(what + ": object changed while its digest was being computed");
        }
        return digest;
    }

    /** Closes an fd returned in an {@link OpenObject}. */
    public static void close(int fd) {
        FileCalls.close(fd);
    }

    /** How objects are checked, for the server to print at startup. */
    public String verityMode() {
        return verityMode;
    }

    /**
     * Objects whose digest was computed in user space, found in the ledger or measured by the
     * kernel (in-memory cache hits do not count).
     */
    public long checked() {
        return cache.computations() + kernelMeasurements.sum();
    }

    /** Objects whose digest was found in the ledger instead of being computed. */
    public long ledgerHits() {
        return ledgerHits.sum();
    }

    /** Opens refused because an object's digest did not match (each refused open counts). */
    public long failures() {
        return failures.sum();
    }

    public Path basedir() {
        return basedir;
    }

    /** Closes the object directory and forgets all digests; idempotent. Open object fds stay valid. */
    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (dirfd >= 0) {
                FileCalls.close(dirfd);
                dirfd = -1;
            }
            cache.clear();
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "VerifiedObjects[" + basedir + ", " + verityMode + "]";
    }
}
