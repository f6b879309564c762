package org.cfsj.scan;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.cfsj.sys.FileCalls;
import org.cfsj.tree.RegularFile;
import org.cfsj.verity.FsVerity;
import org.cfsj.verity.FsVerityParams;

/**
 * The expensive half of a scan: computes the fs-verity digest of every large file (and copies it
 * into the digest store), in a pool of {@link ScanOptions#threads()} threads, then puts the
 * finished {@link RegularFile} nodes into the tree. Like mkcomposefs's compute_digest and
 * fill_store, done after the walk so the walk stays a quick metadata pass.
 */
final class ExternalContent {
    private static final int DIR_PATH_FLAGS = FileCalls.O_PATH | FileCalls.O_DIRECTORY | FileCalls.O_NOFOLLOW | FileCalls.O_CLOEXEC;
    private static final int FILE_FLAGS =
            FileCalls.O_RDONLY | FileCalls.O_NOFOLLOW | FileCalls.O_CLOEXEC | FileCalls.O_NOCTTY | FileCalls.O_NONBLOCK;

    private final ScanOptions opts;
    private final int rootFd;
    private final DigestStore store;

    ExternalContent(ScanOptions opts, int rootFd) {
        this.opts = opts;
        this.rootFd = rootFd;
        this.store = opts.digestStore() == null ? null : new DigestStore(opts.digestStore());
    }

    void resolve(List<PendingFile> files) throws IOException {
        List<RegularFile> done = opts.threads() == 1 || files.size() <= 1 ? sequential(files) : parallel(files);
        for (int i = 0; i < files.size(); i++) {
            for (Placement p : files.get(i).placements()) {
                p.dir().add(p.name(), done.get(i));
            }
        }
    }

    private List<RegularFile> sequential(List<PendingFile> files) throws IOException {
        List<RegularFile> out = new ArrayList<>(files.size());
        for (PendingFile f : files) {
            out.add(complete(f));
        }
        return out;
    }

    private List<RegularFile> parallel(List<PendingFile> files) throws IOException {
        int n = Math.min(opts.threads(), files.size());
        try (ExecutorService pool = Executors.newFixedThreadPool(
                n, Thread.ofPlatform().name("cfsj-digest-", 0).daemon().factory())) {
            List<Future<RegularFile>> futures = new ArrayList<>(files.size());
            for (PendingFile f : files) {
                futures.add(pool.submit(() -> complete(f)));
            }
            List<RegularFile> out = new ArrayList<>(files.size());
            try {
                for (Future<RegularFile> fu : futures) {
                    out.add(fu.get());
                }
            } catch (ExecutionException e) {
                pool.shutdownNow(); // the first failure is the one to report; stop the rest
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IOException(e.getCause());
            } catch (InterruptedException e) {
                pool.shutdownNow();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while computing digests", e);
            }
            return out;
        }
    }

    /** Digest (and store copy) of one file, read through a fresh fd so its name never matters. */
    private RegularFile complete(PendingFile f) throws IOException {
        String what = f.path().display();
        int fd = open(f.path());
        try {
            // The JDK cannot adopt a raw fd, but reopening it through procfs yields the same inode.
            Path file = Path.of("/proc/self/fd/" + fd);
            byte[] digest;
            String objectPath;
            try {
                // one thread per file: the pool already keeps every processor busy
                digest = FsVerity.digest(file, FsVerityParams.DEFAULT, 1);
                objectPath = FsVerity.objectPath(digest);
                if (store != null) {
                    store.put(file, objectPath);
                }
            } catch (IOException e) {
                throw new IOException(what + ": " + e.getMessage(), e);
            }
            return RegularFile.external(f.meta(), f.size(), objectPath, digest);
        } finally {
            FileCalls.close(fd);
        }
    }

    /** Opens the file at {@code path} below the root, one component at a time, never following links. */
    private int open(EntryPath path) throws IOException {
        String what = path.display();
        var names = path.components();
        int dirfd = rootFd;
        try {
            while (names.size() > 1) {
                int next = FileCalls.openat(dirfd, names.removeFirst(), DIR_PATH_FLAGS, what);
                if (dirfd != rootFd) {
                    FileCalls.close(dirfd);
                }
                dirfd = next;
            }
            return FileCalls.openat(dirfd, names.removeFirst(), FILE_FLAGS, what);
        } finally {
            if (dirfd != rootFd) {
                FileCalls.close(dirfd);
            }
        }
    }
}
