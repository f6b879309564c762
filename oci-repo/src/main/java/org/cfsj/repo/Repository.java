package org.cfsj.repo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.cfsj.posix.EffectiveUser;
import org.cfsj.repo.splitstream.SplitStreamReader;
import org.cfsj.repo.splitstream.SplitStreamWriter;
import org.cfsj.sys.Errno;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.FileSystemCalls;
import org.cfsj.sys.PathNames;
import org.cfsj.sys.Stat;
import org.cfsj.sys.StatCalls;
import org.cfsj.sys.SysException;
import org.cfsj.sys.VerityIoctl;
import org.cfsj.verity.DigestLedger;

/**
 * A composefs repository: a directory laid out as composefs-rs documents it.
 *
 * <pre>
 * meta.json                 format version, digest algorithm, kernel-verity flag (0600)
 * lock                      flock target ({@link RepoLock}), 0600
 * digest-ledger             digests of named objects, where the kernel has no fs-verity (0600)
 * tmp/                      objects being written whose digest is not known yet (same filesystem: renames are atomic)
 * objects/xx/&lt;62 hex&gt;       content, named by its fs-verity digest
 * objects/xx/.obj-*.tmp     objects being written whose digest is known (renamed to their name)
 * streams/&lt;name&gt;            -&gt; ../objects/xx/…   a splitstream, by name (oci-layer-sha256:…)
 * streams/refs/&lt;path&gt;       -&gt; ../…/&lt;name&gt;       named references (GC roots), e.g. refs/oci/&lt;tag&gt;
 * images/&lt;64 hex&gt;           -&gt; ../objects/xx/…   composefs images we built ourselves
 * images/refs/&lt;path&gt;        -&gt; ../…/&lt;64 hex&gt;     named references (GC roots)
 * </pre>
 *
 * <p>Access: the top directory is 0700 and the caller's ({@link RepoAccess}); nothing below it
 * needs a mode of its own to be private.
 *
 * <p>Crash safety: objects are complete (fsynced) before they get their name, and every link
 * or ref is written after a {@code syncfs}, by symlink-then-rename; so after a crash a ref
 * points only to complete content, and what was written without a ref is garbage for {@code gc}.
 *
 * <p>Concurrency: instances are thread-safe; adding operations should run under
 * {@link #lock(RepoLock.Mode) lock(SHARED)}, gc under EXCLUSIVE (the high-level operations in
 * this module take the locks themselves).
 */
public final class Repository implements AutoCloseable {
    public static final String ENV = "CFSJ_REPO";
    private static final String OBJECTS = "objects";
    private static final String STREAMS = "streams";
    private static final String IMAGES = "images";
    private static final String REFS = "refs";
    private static final String TMP = "tmp";
    private static final String LOCK = "lock";
    private static final String DIGEST_LEDGER = "digest-ledger";

    private final Path root;
    private final RepoMeta meta;
    /** Temporary file names: {@code obj-<prefix>-<counter>.tmp}. */
    private final String tempPrefix = Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
    private final AtomicLong tempCounter = new AtomicLong();
    /** Which {@code objects/xx} directories this instance knows to exist (1) — saves a stat per object. */
    private final AtomicIntegerArray objectDirs = new AtomicIntegerArray(256);
    /** False once renameat2(RENAME_NOREPLACE) was refused by the filesystem. */
    private volatile boolean noReplaceRename = true;
    private DigestLedger ledger;
    private boolean ledgerUnusable;
    private volatile LockWait lockWait = LockWait.SILENT;

    private Repository(Path root, RepoMeta meta) {
        this.root = root;
        this.meta = meta;
    }

    // ---- location, init, open -------------------------------------------------------------

    /**
     * Where the repository is when none is named: {@code explicit} if given (the CLI's
     * {@code --repo}), else {@code $CFSJ_REPO}, else {@code /var/lib/cfsj} for root and
     * {@code ~/.local/share/cfsj} for anyone else.
     */
    public static Path defaultLocation(Path explicit) {
        if (explicit != null) {
            return explicit;
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isEmpty()) {
            return Path.of(env);
        }
        if (EffectiveUser.isRoot()) {
            return Path.of("/var/lib/cfsj");
        }
        return Path.of(System.getProperty("user.home"), ".local", "share", "cfsj");
    }

    /**
     * Creates a repository at {@code root} (and missing parents), or opens it if it already is
     * one. The top directory is made the caller's alone (0700, {@link RepoAccess}), also when
     * it existed empty. Decides once whether objects get kernel fs-verity by trying it on a
     * probe file.
     */
    public static Repository init(Path root) throws IOException {
        root = root.toAbsolutePath();
        if (Files.exists(root.resolve(RepoMeta.FILE))) {
            return open(root);
        }
        RepoAccess.createPrivate(root);
        for (String d : List.of(TMP, OBJECTS, STREAMS + "/" + REFS, IMAGES + "/" + REFS)) {
            Files.createDirectories(root.resolve(d));
        }
        RepoLock.create(root.resolve(LOCK));
        RepoMeta meta = new RepoMeta(RepoMeta.CURRENT_VERSION, RepoMeta.ALGORITHM, probeKernelVerity(root.resolve(TMP)));
        meta.write(root);
        return new Repository(root, meta);
    }

    /**
     * Opens an existing repository; a clear error if it is missing, not one, too new, or
     * another user's. A mode looser than 0700 is left as it is ({@link RepoAccess} says why);
     * {@link #access()} tells the caller.
     */
    public static Repository open(Path root) throws IOException {
        root = root.toAbsolutePath();
        if (!Files.isDirectory(root)) {
            throw new RepositoryException(root + ": no repository here (run 'cfsj init' or pass --repo)");
        }
        String foreign = RepoAccess.of(root).foreignOwner();
        if (foreign != null) {
            throw new RepositoryException(foreign);
        }
        if (!Files.isRegularFile(root.resolve(RepoMeta.FILE))) {
            throw new RepositoryException(root + ": not a cfsj repository (no " + RepoMeta.FILE + "; run 'cfsj init')");
        }
        RepoMeta meta = RepoMeta.read(root);
        if (meta.version() > RepoMeta.CURRENT_VERSION) {
            throw new RepositoryException(root + ": repository format version " + meta.version()
                    + " is newer than this cfsj understands (" + RepoMeta.CURRENT_VERSION + ")");
        }
        if (!RepoMeta.ALGORITHM.equals(meta.algorithm())) {
            throw new RepositoryException(root + ": digest algorithm " + meta.algorithm()
                    + " is not supported (cfsj uses " + RepoMeta.ALGORITHM + ")");
        }
        for (String d : List.of(TMP, OBJECTS, STREAMS + "/" + REFS, IMAGES + "/" + REFS)) {
            Files.createDirectories(root.resolve(d));
        }
        return new Repository(root, meta);
    }

    /** The top directory's owner and mode as they are now. */
    public RepoAccess access() throws IOException {
        return RepoAccess.of(root);
    }

    /** Sets the top directory's mode to 0700 (what {@code fsck --repair} does). */
    public void makePrivate() throws IOException {
        RepoAccess.makePrivate(root);
    }

    private static boolean probeKernelVerity(Path tmpDir) {
        Path probe = null;
        try {
            probe = Files.createTempFile(tmpDir, "verity-probe-", ".tmp");
            Files.write(probe, new byte[] {'c', 'f', 's', 'j'});
            int fd = FileCalls.open(probe.toString(), FileCalls.O_RDONLY | FileCalls.O_CLOEXEC, 0);
            try {
                VerityIoctl.enable(fd, probe.toString());
                return true;
            } finally {
                FileCalls.close(fd);
            }
        } catch (IOException | RuntimeException e) {
            return false;
        } finally {
            if (probe != null) {
                try {
                    Files.deleteIfExists(probe);
                } catch (IOException ignored) {
                    // gc removes leftovers under tmp/
                }
            }
        }
    }

    public Path root() {
        return root;
    }

    /**
     * The repository's {@link DigestLedger}: where the kernel has no fs-verity, every object's
     * digest is recorded there when the object is named (it was computed from the very bytes
     * written), so FUSE servers find it instead of hashing each object on its first open. The
     * ledger is the repository owner's alone (0600), like the rest of the repository.
     */
    public Path digestLedgerPath() {
        return root.resolve(DIGEST_LEDGER);
    }

    public Path objectsDir() {
        return root.resolve(OBJECTS);
    }

    public Path streamsDir() {
        return root.resolve(STREAMS);
    }

    public Path imagesDir() {
        return root.resolve(IMAGES);
    }

    /** Where objects are written before they are named (under the repository: same filesystem). */
    public Path tempDir() {
        return root.resolve(TMP);
    }

    public RepoMeta meta() {
        return meta;
    }

    /**
     * Whether objects are protected by kernel fs-verity. When false (this filesystem or kernel
     * cannot do it), nothing stops a changed object from being read: readers must check digests
     * themselves, and {@code cfsj fsck} says so.
     */
    public boolean kernelVerity() {
        return meta.kernelVerity();
    }

    /** Takes the repository lock, waiting as {@link #setLockWait} said (by default: silently, without limit). */
    public RepoLock lock(RepoLock.Mode mode) throws IOException {
        return RepoLock.acquire(root.resolve(LOCK), mode, lockWait);
    }

    /**
     * How every later {@link #lock} request waits for a lock another process holds. The notice
     * goes out once per repository instance, however many threads (a pull's layer imports)
     * wait at the same time.
     */
    public void setLockWait(LockWait wait) {
        AtomicBoolean told = new AtomicBoolean();
        this.lockWait = new LockWait(wait.timeout(), message -> {
            if (told.compareAndSet(false, true)) {
                wait.notice().accept(message);
            }
        });
    }

    /** Closes the digest ledger, the one file the repository keeps open between operations. */
    @Override
    public synchronized void close() {
        if (ledger != null) {
            try {
                ledger.close();
            } catch (IOException ignored) {
                // records are written as they come; nothing is lost by a failed close
            }
            ledger = null;
        }
    }

    /** The ledger to record into, opened on first use; null where it cannot be used. */
    private synchronized DigestLedger ledger() {
        if (ledger == null && !ledgerUnusable) {
            try {
                ledger = DigestLedger.openForAppend(digestLedgerPath());
            } catch (IOException e) {
                ledgerUnusable = true; // only an optimisation: servers then hash objects themselves
            }
        }
        return ledger;
    }

    private synchronized void ledgerFailed() {
        ledgerUnusable = true; // e.g. disk full: servers hash what is not recorded
    }

    /** Records the digest of an object just named at {@code target} (see {@link #digestLedgerPath()}). */
    private void recordDigest(Path target, ObjectId id) {
        if (kernelVerity()) {
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

    // ---- objects ---------------------------------------------------------------------------

    /** Starts writing a new object; see {@link ObjectWriter}. */
    public ObjectWriter newObject() {
        return new ObjectWriter(this, null);
    }

    /** Starts a batch of objects named together after one sync; see {@link ObjectBatch}. */
    public ObjectBatch newBatch() {
        return new ObjectBatch(this);
    }

    public ObjectId storeObject(byte[] data) throws IOException {
        try (ObjectWriter w = newObject()) {
            w.write(data);
            return w.commit();
        }
    }

    public ObjectId storeObject(InputStream in) throws IOException {
        try (ObjectWriter w = newObject()) {
            in.transferTo(w);
            return w.commit();
        }
    }

    public boolean hasObject(ObjectId id) {
        return Files.isRegularFile(objectPath(id), LinkOption.NOFOLLOW_LINKS);
    }

    /** {@code objects/xx/<rest>} for the id (whether or not it exists). */
    public Path objectPath(ObjectId id) {
        return objectsDir().resolve(id.objectPath());
    }

    /** An object's bytes; with kernel verity, the kernel's digest is checked against the name. */
    public byte[] readObject(ObjectId id) throws IOException {
        Path p = objectPath(id);
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new RepositoryException("object " + id + " is missing from the repository");
        }
        checkKernelVerity(p, id);
        return Files.readAllBytes(p);
    }

    /** Opens an object for reading; with kernel verity, its digest is checked on open. */
    public InputStream openObject(ObjectId id) throws IOException {
        Path p = objectPath(id);
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            throw new RepositoryException("object " + id + " is missing from the repository");
        }
        checkKernelVerity(p, id);
        return Files.newInputStream(p);
    }

    private void checkKernelVerity(Path p, ObjectId id) throws IOException {
        if (!kernelVerity()) {
            return;
        }
        int fd = FileCalls.open(p.toString(), FileCalls.O_RDONLY | FileCalls.O_CLOEXEC, 0);
        try {
            byte[] measured = VerityIoctl.measureSha256(fd, p.toString());
            if (!ObjectId.of(measured).equals(id)) {
                throw new RepositoryException("object " + id + " has fs-verity digest " + ObjectId.of(measured));
            }
        } finally {
            FileCalls.close(fd);
        }
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
        return newTempFile(tempDir(), "obj-", ".tmp");
    }

    /**
     * Creates a temporary file for an object whose digest is known, in the directory the object
     * will be named in ({@code objects/xx/.obj-<prefix>-<counter>.tmp}, a name no object has),
     * so naming it is a rename within one directory and the files of a pull are created in 256
     * directories instead of one. Every creation holds its directory's lock, and on ext4 without
     * a journal each inode allocation first steps, one by one, over the inodes deleted in the
     * last minute or so (fs/ext4/ialloc.c, recently_deleted()): right after a repository or a gc
     * had deleted thousands of files, the object writers of a pull spent most of their time
     * waiting for {@code tmp/}'s lock (bench/pull.sh's image pulled again right after deleting
     * its repository: 7.4 s instead of 4.9 s, 13.3 s of CPU instead of 8.5 s). A crash leaves
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
    static boolean isObjectTempName(String name) {
        return name.startsWith(".obj-") && name.endsWith(".tmp");
    }

    /** {@code objects/xx} for the id, created if this instance has not seen it yet. */
    private Path ensureObjectDir(ObjectId id) throws IOException {
        Path dir = objectPath(id).getParent();
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
    boolean installObject(Path temp, ObjectId id) throws IOException {
        Path target = objectPath(id);
        if (kernelVerity()) {
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            int fd = FileCalls.open(temp.toString(), FileCalls.O_RDONLY | FileCalls.O_CLOEXEC, 0);
            try {
                VerityIoctl.enable(fd, temp.toString());
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
    public List<ObjectId> listObjects() throws IOException {
        List<ObjectId> ids = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(objectsDir())) {
            for (Path d : dirs) {
                String prefix = d.getFileName().toString();
                if (prefix.length() != 2 || !Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(d)) {
                    for (Path f : files) {
                        ObjectId id = ObjectId.parseOrNull(prefix + f.getFileName());
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
        int fd = FileCalls.open(root.toString(), FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, 0);
        try {
            FileSystemCalls.syncfs(fd, "syncing " + root);
        } finally {
            FileCalls.close(fd);
        }
    }

    // ---- streams ---------------------------------------------------------------------------

    /** Starts a splitstream; {@link SplitStreamWriter#finish()} stores it as an object. */
    public SplitStreamWriter newStream(long contentType) {
        return new SplitStreamWriter(this, contentType);
    }

    public boolean hasStream(String name) {
        return streamId(name).isPresent();
    }

    /** The object that {@code streams/<name>} links to, if the link exists and its object is there. */
    public Optional<ObjectId> streamId(String name) {
        checkStreamName(name);
        Optional<ObjectId> id = linkedObject(streamsDir().resolve(name));
        return id.filter(this::hasObject);
    }

    public SplitStreamReader openStream(String name) throws IOException {
        ObjectId id = streamId(name).orElseThrow(() -> new RepositoryException("no stream " + name + " in the repository"));
        return openStream(id);
    }

    public SplitStreamReader openStream(ObjectId id) throws IOException {
        return SplitStreamReader.open(this, id);
    }

    /** Points {@code streams/<name>} at a stored splitstream object (replacing any old link). */
    public void linkStream(String name, ObjectId id) throws IOException {
        checkStreamName(name);
        requireObject(id);
        syncBeforeLink();
        replaceSymlink(streamsDir().resolve(name), "../" + OBJECTS + "/" + id.objectPath());
    }

    /** Names of all {@code streams/<name>} links, sorted. */
    public List<String> listStreams() throws IOException {
        return listLinks(streamsDir());
    }

    /** Removes {@code streams/<name>} (the object stays until gc). */
    public void unlinkStream(String name) throws IOException {
        checkStreamName(name);
        Files.deleteIfExists(streamsDir().resolve(name));
    }

    /** Sets {@code streams/refs/<refPath>} to name the stream {@code streamName}. */
    public void setStreamRef(String refPath, String streamName) throws IOException {
        checkStreamName(streamName);
        Path link = refLink(streamsDir(), refPath);
        if (!hasStream(streamName)) {
            throw new RepositoryException("cannot reference stream " + streamName + ": it is not in the repository");
        }
        syncBeforeLink();
        Files.createDirectories(link.getParent());
        replaceSymlink(link, "../".repeat(refDepth(refPath)) + streamName);
    }

    /** The stream name {@code streams/refs/<refPath>} points to, if that ref exists. */
    public Optional<String> streamRef(String refPath) throws IOException {
        Path link = refLink(streamsDir(), refPath);
        if (!Files.isSymbolicLink(link)) {
            return Optional.empty();
        }
        return Optional.of(Files.readSymbolicLink(link).getFileName().toString());
    }

    public boolean removeStreamRef(String refPath) throws IOException {
        return Files.deleteIfExists(refLink(streamsDir(), refPath));
    }

    /** Ref paths (relative to {@code streams/refs/}) under {@code prefix} ("" for all), sorted. */
    public List<String> listStreamRefs(String prefix) throws IOException {
        return listRefs(streamsDir(), prefix);
    }

    // ---- images ----------------------------------------------------------------------------

    /** Links {@code images/<hex>} to a stored composefs image object. */
    public void linkImage(ObjectId id) throws IOException {
        requireObject(id);
        syncBeforeLink();
        replaceSymlink(imagesDir().resolve(id.hex()), "../" + OBJECTS + "/" + id.objectPath());
    }

    /** Whether {@code images/<hex>} exists and its object is present. */
    public boolean hasImage(ObjectId id) {
        return linkedObject(imagesDir().resolve(id.hex())).filter(id::equals).filter(this::hasObject).isPresent();
    }

    /** Image ids linked under {@code images/}, sorted. */
    public List<ObjectId> listImages() throws IOException {
        List<ObjectId> ids = new ArrayList<>();
        for (String n : listLinks(imagesDir())) {
            ObjectId id = ObjectId.parseOrNull(n);
            if (id != null) {
                ids.add(id);
            }
        }
        return ids;
    }

    public void unlinkImage(ObjectId id) throws IOException {
        Files.deleteIfExists(imagesDir().resolve(id.hex()));
    }

    /** Sets {@code images/refs/<refPath>} to the image {@code id} (which must be linked). */
    public void setImageRef(String refPath, ObjectId id) throws IOException {
        Path link = refLink(imagesDir(), refPath);
        if (!hasImage(id)) {
            throw new RepositoryException("cannot reference image " + id + ": it is not in the repository");
        }
        syncBeforeLink();
        Files.createDirectories(link.getParent());
        replaceSymlink(link, "../".repeat(refDepth(refPath)) + id.hex());
    }

    public Optional<ObjectId> imageRef(String refPath) throws IOException {
        Path link = refLink(imagesDir(), refPath);
        if (!Files.isSymbolicLink(link)) {
            return Optional.empty();
        }
        return Optional.ofNullable(ObjectId.parseOrNull(Files.readSymbolicLink(link).getFileName().toString()));
    }

    public boolean removeImageRef(String refPath) throws IOException {
        return Files.deleteIfExists(refLink(imagesDir(), refPath));
    }

    public List<String> listImageRefs(String prefix) throws IOException {
        return listRefs(imagesDir(), prefix);
    }

    // ---- helpers ---------------------------------------------------------------------------

    private void requireObject(ObjectId id) throws RepositoryException {
        if (!hasObject(id)) {
            throw new RepositoryException("object " + id + " is not in the repository");
        }
    }

    /** The object id a {@code …/objects/xx/rest} symlink names (its target, not followed). */
    static Optional<ObjectId> linkedObject(Path link) {
        try {
            Path target = Files.readSymbolicLink(link);
            int n = target.getNameCount();
            if (n < 2) {
                return Optional.empty();
            }
            return Optional.ofNullable(ObjectId.parseOrNull(
                    target.getName(n - 2).toString() + target.getName(n - 1)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /** Atomically (re)points a symlink: make it under a temporary name, rename over. */
    private static void replaceSymlink(Path link, String target) throws IOException {
        Path tmp = link.resolveSibling("." + link.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            Files.createSymbolicLink(tmp, Path.of(target));
        } catch (FileAlreadyExistsException e) {
            Files.delete(tmp);
            Files.createSymbolicLink(tmp, Path.of(target));
        }
        try {
            Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    private static void checkStreamName(String name) {
        if (name == null || name.isEmpty() || name.indexOf('/') >= 0 || name.indexOf('\0') >= 0
                || name.startsWith(".") || name.equals(REFS)) {
            throw new IllegalArgumentException("invalid stream name: " + name);
        }
    }

    private static Path refLink(Path base, String refPath) {
        checkRefPath(refPath);
        return base.resolve(REFS).resolve(refPath);
    }

    static void checkRefPath(String refPath) {
        if (refPath == null || refPath.isEmpty() || refPath.startsWith("/") || refPath.endsWith("/")) {
            throw new IllegalArgumentException("invalid ref path: " + refPath);
        }
        for (String seg : refPath.split("/", -1)) {
            if (seg.isEmpty() || seg.equals(".") || seg.equals("..") || seg.startsWith(".") || seg.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("invalid ref path: " + refPath);
            }
        }
    }

    /** How many "../" lead from the ref link's directory back to {@code streams/} or {@code images/}. */
    private static int refDepth(String refPath) {
        return refPath.split("/").length;
    }

    private static List<String> listLinks(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (!n.equals(REFS) && !n.startsWith(".") && Files.isSymbolicLink(p)) {
                    names.add(n);
                }
            }
        }
        Collections.sort(names);
        return names;
    }

    private static List<String> listRefs(Path base, String prefix) throws IOException {
        Path refs = base.resolve(REFS);
        Path start = prefix == null || prefix.isEmpty() ? refs : refs.resolve(prefix);
        if (!Files.isDirectory(start)) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(start)) {
            walk.filter(Files::isSymbolicLink)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .forEach(p -> out.add(refs.relativize(p).toString()));
        }
        Collections.sort(out);
        return out;
    }
}
