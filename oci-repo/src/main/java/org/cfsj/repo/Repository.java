package org.cfsj.repo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.cfsj.posix.EffectiveUser;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.VerityIoctl;
import org.cfsj.verity.VerityAlgorithm;

/**
 * A composefs repository: a directory laid out as composefs-rs documents it.
 *
 * <pre>
 * meta.json                 format version, digest algorithm, kernel-verity flag (0600)
 * lock                      flock target ({@link RepoLock}), 0600
 * digest-ledger             digests of named objects, where the kernel has no fs-verity (0600)
 * tmp/                      objects being written whose digest is not known yet (same filesystem: renames are atomic)
 * objects/xx/&lt;62|126 hex&gt;   content, named by its fs-verity digest (sha256 or sha512, meta.json says which)
 * objects/xx/.obj-*.tmp     objects being written whose digest is known (renamed to their name)
 * streams/&lt;name&gt;            -&gt; ../objects/xx/…   a splitstream, by name (oci-layer-sha256:…)
 * streams/refs/&lt;path&gt;       -&gt; ../…/&lt;name&gt;       named references (GC roots), e.g. refs/oci/&lt;tag&gt;
 * images/&lt;hex id&gt;           -&gt; ../objects/xx/…   composefs images we built ourselves
 * images/refs/&lt;path&gt;        -&gt; ../…/&lt;hex id&gt;     named references (GC roots)
 * </pre>
 *
 * <p>This class is the facade: location, init, {@code meta.json}, access checks and the lock are
 * its own; it hands out the parts that do the rest: {@link #objects()} ({@link ObjectStore}),
 * {@link #streams()} ({@link NamedLinks}) and {@link #images()} ({@link ImageLinks}). Callers
 * go to the part they concern ({@code repo.objects().read(id)}); this class has no shorthands.
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
    private static final String REFS = NamedLinks.REFS;
    private static final String TMP = "tmp";
    private static final String LOCK = "lock";
    private static final String DIGEST_LEDGER = "digest-ledger";

    private final Path root;
    private final RepoMeta meta;
    private final ObjectStore objects;
    private final NamedLinks streams;
    private final ImageLinks images;
    private volatile LockWait lockWait = LockWait.SILENT;

    private Repository(Path root, RepoMeta meta) {
        this.root = root;
        this.meta = meta;
        this.objects = new ObjectStore(root.resolve(OBJECTS), root.resolve(TMP), root.resolve(DIGEST_LEDGER),
                meta.kernelVerity(), meta.algorithm());
        this.streams = new NamedLinks(root.resolve(STREAMS), "stream", objects);
        this.images = new ImageLinks(root.resolve(IMAGES), objects);
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

    /** {@link #init(Path, VerityAlgorithm)} with cfsj's default algorithm, {@code fsverity-sha256-12}. */
    public static Repository init(Path root) throws IOException {
        return init(root, null);
    }

    /**
     * Creates a repository at {@code root} (and missing parents) whose objects are named by
     * {@code algorithm} (null: {@link VerityAlgorithm#DEFAULT}), or opens it if it already is one
     * (then an explicit {@code algorithm} must be the one it has). The top directory is made the
     * caller's alone (0700, {@link RepoAccess}), also when it existed empty. Decides once whether
     * objects get kernel fs-verity by trying it on a probe file.
     */
    public static Repository init(Path root, VerityAlgorithm algorithm) throws IOException {
        root = root.toAbsolutePath();
        if (Files.exists(root.resolve(RepoMeta.FILE))) {
            Repository existing = open(root);
            if (algorithm != null && existing.meta.algorithm() != algorithm) {
                existing.close();
                throw new RepositoryException(root + ": already a repository of " + existing.meta.algorithm().repoName()
                        + ", not " + algorithm.repoName());
            }
            return existing;
        }
        VerityAlgorithm alg = algorithm == null ? VerityAlgorithm.DEFAULT : algorithm;
        RepoAccess.createPrivate(root);
        for (String d : List.of(TMP, OBJECTS, STREAMS + "/" + REFS, IMAGES + "/" + REFS)) {
            Files.createDirectories(root.resolve(d));
        }
        RepoLock.create(root.resolve(LOCK));
        RepoMeta meta = new RepoMeta(RepoMeta.CURRENT_VERSION, alg, probeKernelVerity(root.resolve(TMP), alg));
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

    private static boolean probeKernelVerity(Path tmpDir, VerityAlgorithm algorithm) {
        Path probe = null;
        try {
            probe = Files.createTempFile(tmpDir, "verity-probe-", ".tmp");
            Files.write(probe, new byte[] {'c', 'f', 's', 'j'});
            int fd = FileCalls.open(probe.toString(), FileCalls.O_RDONLY | FileCalls.O_CLOEXEC, 0);
            try {
                VerityIoctl.enable(fd, algorithm.code(), probe.toString());
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

    /** The content-addressed objects ({@code objects/}, {@code tmp/}, the digest ledger). */
    public ObjectStore objects() {
        return objects;
    }

    /** {@code streams/}: splitstreams by name, and their refs. */
    public NamedLinks streams() {
        return streams;
    }

    /** {@code images/}: composefs images by their id, and their refs. */
    public ImageLinks images() {
        return images;
    }

    public RepoMeta meta() {
        return meta;
    }

    /**
     * Whether objects are protected by kernel fs-verity. When false (this filesystem or kernel
     * cannot do it), a changed object is caught only by the user-space check when it is opened
     * ({@link ObjectStore#open}), not on every later read, and {@code cfsj fsck} says so.
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

    /** Closes the files the object store keeps open between operations (digest ledger, verified reader). */
    @Override
    public void close() {
        objects.close();
    }
}
