package org.cfsj.repo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.cfsj.objects.VerifiedObjects;
import org.cfsj.sys.Errno;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.FileSystemCalls;
import org.cfsj.sys.PathNames;
import org.cfsj.sys.Stat;
import org.cfsj.sys.StatCalls;
import org.cfsj.sys.SysException;
import org.cfsj.sys.VerityIoctl;
import org.cfsj.verity.DigestLedger;
import org.cfsj.verity.VerityAlgorithm;

/**
 * A repository's content-addressed objects: {@code objects/xx/<rest of the hex digest>}, each
 * named by the fs-verity digest of its content under the repository's {@link VerityAlgorithm}
 * (62 more hex digits for sha256, 126 for sha512), written through {@code tmp/} or {@code objects/xx/.obj-*.tmp}
 * and installed by an atomic rename.
 *
 * <p>Invariants: a name under {@code objects/} is given only to complete, fsynced content whose
 * digest was computed from the very bytes written; with kernel fs-verity, verity is enabled
 * before the name appears; without it, the digest is recorded in the {@link DigestLedger} when
 * the object is named. Objects are never rewritten in place; only gc removes them. Reading goes
 * through {@link #open} / {@link #read}, which check the content against its name with the shared
 * {@link VerifiedObjects} reader.
 *
 * <p>This is everything splitstreams need from a repository, so they depend on this type alone.
 * Thread-safe.
 */
public final class ObjectStore implements AutoCloseable {
    private final Path objectsDir;
    private final Path tempDir;
    private final Path ledgerPath;
    private final boolean kernelVerity;
    private final VerityAlgorithm algorithm;
    /** Temporary file names: {@code obj-<prefix>-<counter>.tmp}. */
    private final String tempPrefix = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
    private final AtomicLong tempCounter = new AtomicLong();
    /** Which {@code objects/xx} directories this instance knows to exist (1) — saves a stat per object. */
    private final AtomicIntegerArray objectDirs = new AtomicIntegerArray(256);
    /** False once renameat2(RENAME_NOREPLACE) was refused by the filesystem. */
    private volatile boolean noReplaceRename = true;
    private DigestLedger ledger;
    private boolean ledgerUnusable;
    /** Whether {@link #ledger} was read in full ({@link #loadedLedger}), not only opened to append. */
    private boolean ledgerLoaded;
    private VerifiedObjects reader;

    /**
     * @param objectsDir   {@code objects/}
     * @param tempDir      {@code tmp/}, on the same filesystem
     * @param ledgerPath   the digest ledger (used only without kernel verity)
     * @param kernelVerity whether objects get kernel fs-verity when installed
     * @param algorithm    the fs-verity algorithm objects are named by (the repository's)
     */
    ObjectStore(Path objectsDir, Path tempDir, Path ledgerPath, boolean kernelVerity, VerityAlgorithm algorithm) {
        this.algorithm = algorithm;
        this.objectsDir = objectsDir;
        this.tempDir = tempDir;
        this.ledgerPath = ledgerPath;
        this.kernelVerity = kernelVerity;
    }

    /** The fs-verity algorithm every object here is named by. */
    public VerityAlgorithm algorithm() {
        return algorithm;
    }

    /** Throws unless {@code id} is a digest of this repository's algorithm. */
    void checkAlgorithm(ObjectId id) throws RepositoryException {
        if (id.algorithm() != algorithm) {
            throw new RepositoryException("object " + id + " is a " + id.algorithm().hash().shortName()
                    + " digest; this repository names objects by " + algorithm.repoName());
        }
    }

    /** {@code objects/}. */
    public Path dir() {
        return objectsDir;
    }

    /** Where objects are written before they are named (same filesystem as {@code objects/}). */
    public Path tempDir() {
        return tempDir;
    }

    /**
     * The {@link DigestLedger}: where the kernel has no fs-verity, every object's digest is
     * recorded there when the object is named (it was computed from the very bytes written), so
     * readers find it instead of hashing each object on its first open. The ledger is the
     * repository owner's alone (0600), like the rest of the repository.
     */
    public Path ledgerPath() {
        return ledgerPath;
    }

    /**
     * Whether objects are protected by kernel fs-verity. When false, nothing stops a changed
     * object from being read: readers check digests themselves.
     */
    public boolean kernelVerity() {
        return kernelVerity;
    }

    /** Starts writing a new object; see {@link ObjectWriter}. */
    public ObjectWriter newObject() {
        return new ObjectWriter(this, null);
    }

    /** Starts a batch of objects named together after one sync; see {@link ObjectBatch}. */
    public ObjectBatch newBatch() {
        return new ObjectBatch(this);
    }

    public ObjectId store(byte[] data) throws IOException {
        try (ObjectWriter w = newObject()) {
            w.write(data);
            return w.commit();
        }
    }

    public ObjectId store(InputStream in) throws IOException {
        try (ObjectWriter w = newObject()) {
            in.transferTo(w);
            return w.commit();
        }
    }

    public boolean has(ObjectId id) {
        return Files.isRegularFile(path(id), LinkOption.NOFOLLOW_LINKS);
    }

    /** {@code objects/xx/<rest>} for the id (whether or not it exists). */
    public Path path(ObjectId id) {
        return objectsDir.resolve(id.objectPath());
    }

    /** Throws unless the object is in the store. */
    void require(ObjectId id) throws RepositoryException {
        if (!has(id)) {
            throw new RepositoryException("object " + id + " is not in the repository");
        }
    }

    /** An object's bytes, checked against its name ({@link #open}). */
    public byte[] read(ObjectId id) throws IOException {
        try (InputStream in = open(id)) {
            return in.readAllBytes();
        }
    }

    /**
     * Opens an object for reading through the one verified reader ({@link VerifiedObjects}): no
     * symlink is followed below {@code objects/}, and the content is checked against the name
     * (by the kernel's fs-verity measurement where the object has it, else in user space, where
     * the digest ledger spares hashing objects recorded when they were named).
     */
    public InputStream open(ObjectId id) throws IOException {
        checkAlgorithm(id);
        if (!Files.exists(path(id), LinkOption.NOFOLLOW_LINKS)) {
            throw new RepositoryException("object " + id + " is missing from the repository");
        }
        return reader().newInputStream(id.objectPath(), id.bytes());
    }

    /**
     * The first bytes (at most {@code max}) of an object, read without following symlinks but
     * not checked against its name: for telling formats apart (splitstream or file content), so
     * that marking every reachable file object does not hash it. Readers check what they parse.
     */
    public byte[] head(ObjectId id, int max) throws IOException {
        if (!Files.exists(path(id), LinkOption.NOFOLLOW_LINKS)) {
            throw new RepositoryException("object " + id + " is missing from the repository");
        }
        return reader().head(id.objectPath(), max);
    }

    /**
     * The path of an object that was just checked as {@link #open} checks it, for a consumer that
     * can only take a path: the kernel mount of a composefs image. {@code what} names the object
     * in the error if it is missing.
     */
    public Path verifiedPath(ObjectId id, String what) throws IOException {
        if (!has(id)) {
            throw new RepositoryException(what + " is missing from the repository (run cfsj fsck)");
        }
        open(id).close(); // opening checks it
        return path(id);
    }

    /** The verified reader, opened on first use with the loaded digest ledger (no ledger with kernel verity). */
    private synchronized VerifiedObjects reader() throws IOException {
        if (reader == null) {
            reader = new VerifiedObjects(objectsDir, false, VerifiedObjects.DEFAULT_CACHE_ENTRIES,
                    kernelVerity ? null : loadedLedger());
        }
        return reader;
    }

    /** A new, empty temporary file, open for writing. */
    record TempFile(Path path, FileChannel channel) {}

    /**
     * Creates a temporary file under {@code tmp/} for an object whose digest is not known yet,
     * with a name no other writer uses: a random per-instance prefix and a counter (cheaper than
     * {@link Files#createTempFile}, which draws from SecureRandom for every file), created
     * exclusively, so a clash with another process just takes the next name.
     */
    TempFile newTempFile() throws IOException {
        return newTempFile(tempDir, "obj-", ".tmp");
    }

    /**
     * Creates a temporary file for an object whose digest is known, in the directory the object
     * will be named in ({@code objects/xx/.obj-<prefix>-<counter>.tmp}, a name no object has),
     * so naming it is a rename within one directory and the files of a pull are created in 256
     * directories instead of one. Every creation holds its directory's lock, and on ext4 without
     * a journal each inode allocation first steps, one by one, over the inodes deleted in the
     * last minute or so (fs/ext4/ialloc.c, recently_deleted()): right after a repository or a gc
     * had deleted thousands of files, the object writers of a pull spent most of their time
     * waiting for {@code tmp/}'s lock (measured in bench/results/2026-11-21-pull.md). A crash leaves
     * such a file behind; gc removes it.
     */
    TempFile newTempFile(ObjectId id) throws IOException {
        return newTempFile(ensureObjectDir(id), ".obj-", ".tmp");
    }

    private TempFile newTempFile(Path dir, String prefix, String suffix) throws IOException {
        while (true) {
            Path p = dir.resolve(prefix + tempPrefix + "-" + tempCounter.incrementAndGet() + suffix);
            try {
                return new TempFile(p, FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE));
            } catch (FileAlreadyExistsException e) {
                // another process drew the same prefix: next name
            }
        }
    }

    /** Whether a name in an {@code objects/xx} directory is a temporary file ({@link #newTempFile(ObjectId)}). */
    public static boolean isTempName(String name) {
        return name.startsWith(".obj-") && name.endsWith(".tmp");
    }

    /** {@code objects/xx} for the id, created if this instance has not seen it yet. */
    private Path ensureObjectDir(ObjectId id) throws IOException {
        Path dir = path(id).getParent();
        int prefix = Integer.parseInt(id.hex(), 0, 2, 16);
        if (objectDirs.get(prefix) == 0) {
            Files.createDirectories(dir);
            objectDirs.set(prefix, 1);
        }
        return dir;
    }

    /**
     * Gives a finished temporary file its object name. With kernel verity, verity is enabled
     * before the file becomes visible. Returns false if the object already existed; the
     * temporary file is then still there, for the caller to delete.
     */
    boolean install(Path temp, ObjectId id) throws IOException {
        Path target = path(id);
        if (kernelVerity) {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            int fd = FileCalls.open(temp.toString(), FileCalls.O_RDONLY | FileCalls.O_CLOEXEC, 0);
            try {
                VerityIoctl.enable(fd, algorithm.code(), temp.toString());
            } finally {
                FileCalls.close(fd);
            }
        }
        ensureObjectDir(id);
        if (noReplaceRename) {
            // One call that both checks and names: a writer that installed the same object
            // meanwhile wins, and this one reports "already there".
            try {
                return recorded(FileSystemCalls.renameNoReplace(temp, target), target, id);
            } catch (SysException f) {
                if (f.errno() == Errno.ENOENT) {
                    // the directory went away under us (removed by hand): make it again
                    Files.createDirectories(target.getParent());
                    return recorded(FileSystemCalls.renameNoReplace(temp, target), target, id);
                }
                if (f.errno() != Errno.EINVAL && f.errno() != Errno.ENOSYS) {
                    throw f;
                }
                noReplaceRename = false; // this filesystem cannot: check, then rename
            }
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Files.createDirectories(target.getParent());
        // rename(2): if another writer installed the same object meanwhile, same bytes either way.
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        return recorded(true, target, id);
    }

    /** After naming: records the digest of an object this call named (after the rename, which sets its ctime). */
    private boolean recorded(boolean named, Path target, ObjectId id) {
        if (named) {
            recordDigest(target, id);
        }
        return named;
    }

    /** Every object in the store, in name order. */
    public List<ObjectId> list() throws IOException {
        List<ObjectId> ids = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(objectsDir)) {
            for (Path d : dirs) {
                String prefix = d.getFileName().toString();
                if (prefix.length() != 2 || !Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(d)) {
                    for (Path f : files) {
                        ObjectId id = ObjectId.parseOrNull(prefix + f.getFileName(), algorithm);
                        if (id != null) {
                            ids.add(id);
                        }
                    }
                }
            }
        }
        Collections.sort(ids);
        return ids;
    }

    /** Makes everything written so far durable before a link or ref may point to it. */
    void syncBeforeLink() throws IOException {
        int fd = FileCalls.open(objectsDir.toString(), FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, 0);
        try {
            FileSystemCalls.syncfs(fd, "syncing " + objectsDir);
        } finally {
            FileCalls.close(fd);
        }
    }

    /**
     * The ledger to record into, opened on first use; null where it cannot be used. Writers only
     * append to it, so it is not read unless something in this process reads objects too
     * ({@link #loadedLedger}).
     */
    private synchronized DigestLedger ledger() {
        if (ledger == null && !ledgerUnusable) {
            try {
                ledger = DigestLedger.openForAppend(ledgerPath);
            } catch (IOException e) {
                ledgerUnusable = true; // only an optimisation: servers then hash objects themselves
            }
        }
        return ledger;
    }

    /**
     * The ledger with every record read, for the verified reader to look digests up in; later
     * objects are recorded into the same instance, so they are known to the reader at once.
     * Null where it cannot be used (objects are then hashed).
     */
    private synchronized DigestLedger loadedLedger() {
        if (ledgerUnusable || ledgerLoaded) {
            return ledger;
        }
        DigestLedger appendOnly = ledger;
        try {
            ledger = DigestLedger.open(ledgerPath);
            ledgerLoaded = true;
        } catch (IOException e) {
            return null; // reading is an optimisation; recording can go on as it did
        }
        closeQuietly(appendOnly);
        return ledger;
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // records are written as they come; nothing is lost by a failed close
            }
        }
    }

    private synchronized void ledgerFailed() {
        ledgerUnusable = true; // e.g. disk full: servers hash what is not recorded
    }

    /** Records the digest of an object just named at {@code target} (see {@link #ledgerPath()}). */
    private void recordDigest(Path target, ObjectId id) {
        if (kernelVerity) {
            return; // the kernel measures objects; nobody hashes them
        }
        DigestLedger l = ledger();
        if (l == null) {
            return;
        }
        try {
            Stat st = StatCalls.statx(FileCalls.AT_FDCWD, PathNames.bytes(target), FileCalls.AT_SYMLINK_NOFOLLOW,
                    target.toString());
            l.record(st, id.bytes());
        } catch (IOException e) {
            ledgerFailed();
        }
    }

    /** Closes the digest ledger and the verified reader, the files the store keeps open between operations. */
    @Override
    public synchronized void close() {
        if (reader != null) {
            reader.close();
            reader = null;
        }
        closeQuietly(ledger);
        ledger = null;
        ledgerLoaded = false;
    }
}
