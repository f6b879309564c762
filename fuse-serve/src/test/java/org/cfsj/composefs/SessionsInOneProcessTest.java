package org.cfsj.composefs;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.cfsj.erofs.ErofsImage;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.fuse.FuseDevice;
import org.cfsj.fuse.Session;
import org.cfsj.fuse.SessionOptions;
import org.cfsj.fuse.fs.Attributes;
import org.cfsj.fuse.fs.CachePolicy;
import org.cfsj.fuse.fs.DirectoryListing;
import org.cfsj.fuse.fs.Entry;
import org.cfsj.fuse.fs.FsContext;
import org.cfsj.fuse.fs.FsException;
import org.cfsj.fuse.fs.FsStatistics;
import org.cfsj.fuse.fs.OpenedFile;
import org.cfsj.fuse.fs.ReadOnlyFilesystem;
import org.cfsj.mount.ComposefsServer;
import org.cfsj.objects.VerifiedObjects;
import org.cfsj.sys.Processes;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Metadata;
import org.cfsj.tree.RegularFile;
import org.cfsj.verity.FsVerity;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several sessions in one process (as {@code cfsj serve} runs them): ending one passthrough
 * session releases its own kept backing ids and never another session's, even when the other
 * session's /dev/fuse fd got a number the ending one used; and all of them together keep no more
 * idle objects than the process's {@link KeptObjectBudget}.
 */
class SessionsInOneProcessTest {
    private static final int FILES = 5;

    @TempDir
    Path tmp;

    Path objects;
    Path image;
    Path mntA;
    Path mntB;
    byte[][] content = new byte[FILES][];

    @BeforeEach
    void setUp() throws IOException {
        Assumptions.assumeTrue(Files.exists(FuseDevice.PATH), "SKIPPED: /dev/fuse is missing, cannot test real mounts");
        Assumptions.assumeTrue(Processes.geteuid() == 0, "SKIPPED: real FUSE mounts in tests need root");
        objects = Files.createDirectory(tmp.resolve("objects"));
        mntA = Files.createDirectory(tmp.resolve("a"));
        mntB = Files.createDirectory(tmp.resolve("b"));
        Random random = new Random(11);
        Directory root = new Directory(meta());
        for (int i = 0; i < FILES; i++) {
            content[i] = new byte[50_000 + i];
            random.nextBytes(content[i]);
            byte[] digest = FsVerity.digest(content[i]);
            Path object = objects.resolve(FsVerity.objectPath(digest));
            Files.createDirectories(object.getParent());
            Files.write(object, content[i]);
            root.add(Bytes.of("f" + i), RegularFile.external(meta(), content[i].length, FsVerity.objectPath(digest), digest));
        }
        image = tmp.resolve("image.cfs");
        Files.write(image, ComposefsImageWriter.toBytes(root, ComposefsImageWriter.Options.DEFAULT));
    }

    @Test
    void sessionsShareTheProcesssBudgetOfKeptObjects() throws Exception {
        KeptObjectBudget budget = new KeptObjectBudget(2, 2);
        try (ErofsImage imgA = ComposefsServer.openImage(image);
                ErofsImage imgB = ComposefsServer.openImage(image);
                VerifiedObjects store = new VerifiedObjects(objects, false)) {
            ComposefsFilesystem fsA = new ComposefsFilesystem(imgA, store, false, 4, 4, budget);
            ComposefsFilesystem fsB = new ComposefsFilesystem(imgB, store, false, 4, 4, budget);
            try (Session a = Session.start(fsA, mntA, SessionOptions.defaults().withThreads(2));
                    Session b = Session.start(fsB, mntB, SessionOptions.defaults().withThreads(2))) {
                for (int i = 0; i < 3; i++) {
                    assertArrayEquals(content[i], Files.readAllBytes(mntA.resolve("f" + i)));
                }
                awaitUnused(fsA);
                assertEquals(2, fsA.idleObjects(), "A alone: the process budget, not A's own bound of 4");
                for (int i = 0; i < 3; i++) {
                    assertArrayEquals(content[i], Files.readAllBytes(mntB.resolve("f" + i)));
                    awaitUnused(fsB);
                    assertTrue(fsA.idleObjects() + fsB.idleObjects() <= 2,
                            "both sessions together keep no more than the budget: "
                                    + fsA.idleObjects() + " + " + fsB.idleObjects());
                }
                assertEquals(2, budget.fds.idle());
                assertEquals(0, budget.backing.idle());
            }
        }
        assertEquals(0, budget.fds.idle(), "closed sessions keep nothing");
    }

    @Test
    void closingOneSessionLeavesTheBackingIdsOfAnotherAlone() throws Exception {

        try (ErofsImage imgA = ComposefsServer.openImage(image);
                ErofsImage imgB = ComposefsServer.openImage(image);
                VerifiedObjects store = new VerifiedObjects(objects, false)) {
            ComposefsFilesystem fsA = new ComposefsFilesystem(imgA, store, true);
            ComposefsFilesystem fsB = new ComposefsFilesystem(imgB, store, true);
            Session[] b = new Session[1];
            // B starts (and keeps f0's backing id) while A is ending, the way another image's
            // session may start at any moment in a server of several
            ReadOnlyFilesystem startsBWhenDestroyed = new Delegating(fsA) {
                @Override
                public void destroy() {
                    try {
                        b[0] = Session.start(fsB, mntB, SessionOptions.defaults().withThreads(2).withPassthrough(true));
                        assertArrayEquals(content[0], Files.readAllBytes(mntB.resolve("f0")));
                        awaitUnused(fsB);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    super.destroy();
                }
            };
            Session a = Session.start(startsBWhenDestroyed, mntA, SessionOptions.defaults().withThreads(2).withPassthrough(true));
            try {
                Assumptions.assumeTrue(a.passthroughGranted(), "SKIPPED: the kernel has no FUSE passthrough");
                for (int i = 0; i < FILES; i++) {
                    assertArrayEquals(content[i], Files.readAllBytes(mntA.resolve("f" + i)));
                }
                awaitUnused(fsA);
                assertEquals(FILES, fsA.idleObjects(), "A keeps every backing id");
            } finally {
                a.close();
            }
            assertNotNull(b[0], "B started while A ended");
            try (Session sessionB = b[0]) {
                assertEquals(1, fsB.idleObjects(), "B keeps f0's backing id");
                for (int i = 0; i < FILES; i++) {
                    assertArrayEquals(content[i], Files.readAllBytes(mntB.resolve("f" + i)),
                            "B's f" + i + " after A ended");
                }
                assertEquals(FILES, fsB.objectsOpened(), "f0's kept backing id was used again");
            }
        }
    }

    private static Metadata meta() {
        return new Metadata(0755, 0, 0, 1_700_000_000L, 0, 1, List.of());
    }

    private static void awaitUnused(ComposefsFilesystem fs) throws InterruptedException {
        for (int i = 0; i < 500 && fs.openObjects() > 0; i++) {
            Thread.sleep(10);
        }
        assertEquals(0, fs.openObjects(), "every file was released");
    }

    /** Passes every call on, so that a test can add to one. */
    private static class Delegating implements ReadOnlyFilesystem {
        private final ReadOnlyFilesystem fs;

        Delegating(ReadOnlyFilesystem fs) {
            this.fs = fs;
        }

        @Override public void init(FsContext context) { fs.init(context); }
        @Override public CachePolicy cachePolicy() { return fs.cachePolicy(); }
        @Override public Entry lookup(long parent, byte[] name) throws FsException { return fs.lookup(parent, name); }
        @Override public void forget(long node, long nlookup) { fs.forget(node, nlookup); }
        @Override public Attributes getattr(long node) throws FsException { return fs.getattr(node); }
        @Override public byte[] readlink(long node) throws FsException { return fs.readlink(node); }
        @Override public boolean filesNeedOpen() { return fs.filesNeedOpen(); }
        @Override public boolean directoriesNeedOpen() { return fs.directoriesNeedOpen(); }
        @Override public OpenedFile open(long node, int flags) throws FsException { return fs.open(node, flags); }
        @Override public long read(long node, long fh, long offset, MemorySegment dst) throws FsException { return fs.read(node, fh, offset, dst); }
        @Override public void release(long node, long fh) { fs.release(node, fh); }
        @Override public long opendir(long node) throws FsException { return fs.opendir(node); }
        @Override public void readdir(long node, long fh, long offset, DirectoryListing listing) throws FsException { fs.readdir(node, fh, offset, listing); }
        @Override public void releasedir(long node, long fh) { fs.releasedir(node, fh); }
        @Override public byte[] getxattr(long node, byte[] name) throws FsException { return fs.getxattr(node, name); }
        @Override public List<byte[]> listxattr(long node) throws FsException { return fs.listxattr(node); }
        @Override public FsStatistics statfs(long node) throws FsException { return fs.statfs(node); }
        @Override public void destroy() { fs.destroy(); }
    }
}
