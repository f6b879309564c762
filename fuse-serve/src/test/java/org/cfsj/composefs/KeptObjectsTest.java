package org.cfsj.composefs;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.cfsj.erofs.ErofsImage;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.fuse.FuseDevice;
import org.cfsj.fuse.Session;
import org.cfsj.fuse.SessionOptions;
import org.cfsj.mount.ComposefsServer;
import org.cfsj.objects.VerifiedObjects;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.Io;
import org.cfsj.sys.PathNames;
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
 * Objects kept between uses ({@link OpenObjects}), over a real FUSE mount: a passthrough backing id
 * is registered once and reused by later opens of its file, and dropped when a newer idle one
 * pushes it out or the kernel forgets the inode; a file whose object does not match its digest is
 * refused on every open, in both modes, whatever is kept.
 */
class KeptObjectsTest {
    @TempDir
    Path tmp;

    Path image;
    Path objects;
    Path mnt;
    byte[] a;
    byte[] b;

    @BeforeEach
    void setUp() throws IOException {
        Assumptions.assumeTrue(Files.exists(FuseDevice.PATH), "SKIPPED: /dev/fuse is missing, cannot test real mounts");
        Assumptions.assumeTrue(Processes.geteuid() == 0, "SKIPPED: real FUSE mounts in tests need root");
        objects = Files.createDirectory(tmp.resolve("objects"));
        mnt = Files.createDirectory(tmp.resolve("mnt"));
        Random random = new Random(7);
        a = new byte[200_000];
        b = new byte[300_000];
        random.nextBytes(a);
        random.nextBytes(b);
        byte[] tampered = "an object that is changed after the image recorded its digest ".repeat(50)
                .getBytes(StandardCharsets.US_ASCII);
        Directory root = new Directory(meta());
        root.add(Bytes.of("a.bin"), external(a));
        root.add(Bytes.of("b.bin"), external(b));
        root.add(Bytes.of("tampered.bin"), external(tampered));
        image = tmp.resolve("image.cfs");
        Files.write(image, ComposefsImageWriter.toBytes(root, ComposefsImageWriter.Options.DEFAULT));
        Path object = objects.resolve(FsVerity.objectPath(FsVerity.digest(tampered)));
        byte[] changed = tampered.clone();
        changed[10] ^= 1;
        Files.write(object, changed);
    }

    private static Metadata meta() {
        return new Metadata(0755, 0, 0, 1_700_000_000L, 0, 1, List.of());
    }

    private RegularFile external(byte[] content) throws IOException {
        byte[] digest = FsVerity.digest(content);
        Path object = objects.resolve(FsVerity.objectPath(digest));
        Files.createDirectories(object.getParent());
        Files.write(object, content);
        return RegularFile.external(meta(), content.length, FsVerity.objectPath(digest), digest);
    }

    /** A mounted filesystem that keeps at most one idle object. */
    private record Mounted(ErofsImage image, VerifiedObjects store, ComposefsFilesystem fs, Session session)
            implements AutoCloseable {
        @Override
        public void close() throws IOException {
            session.close();
            store.close();
            image.close();
        }
    }

    private Mounted mount(boolean passthrough) throws IOException {
        ErofsImage img = ComposefsServer.openImage(image);
        VerifiedObjects store = new VerifiedObjects(objects, false);
        ComposefsFilesystem fs = new ComposefsFilesystem(img, store, passthrough, 1, 1, new KeptObjectBudget(100, 100));
        Session session = Session.start(fs, mnt,
                SessionOptions.defaults().withThreads(2).withPassthrough(passthrough));
        return new Mounted(img, store, fs, session);
    }

    /** RELEASE comes after close(2) returns (the kernel sends it in the background): wait for it. */
    private static void awaitUnused(ComposefsFilesystem fs) throws InterruptedException {
        for (int i = 0; i < 500 && fs.openObjects() > 0; i++) {
            Thread.sleep(10);
        }
        assertEquals(0, fs.openObjects(), "every file was released");
    }

    private long node(String name) throws IOException {
        return ((Number) Files.getAttribute(mnt.resolve(name), "unix:ino")).longValue();
    }

    @Test
    void passthroughBackingIdsAreReusedAndDroppedWhenPushedOutOrForgotten() throws Exception {
        try (Mounted m = mount(true)) {
            Assumptions.assumeTrue(m.session().passthroughGranted(), "SKIPPED: the kernel has no FUSE passthrough");
            ComposefsFilesystem fs = m.fs();
            assertArrayEquals(a, Files.readAllBytes(mnt.resolve("a.bin")));
            awaitUnused(fs);
            assertEquals(1, fs.objectsOpened());
            assertEquals(1, fs.idleObjects(), "a.bin's backing id is kept after its RELEASE");

            assertArrayEquals(a, Files.readAllBytes(mnt.resolve("a.bin")));
            awaitUnused(fs);
            assertEquals(1, fs.objectsOpened(), "the second open reuses the kept backing id");
            assertEquals(2, m.session().stats().passthroughOpens());

            assertArrayEquals(b, Files.readAllBytes(mnt.resolve("b.bin")));
            awaitUnused(fs);
            assertEquals(2, fs.objectsOpened());
            assertEquals(1, fs.idleObjects(), "b.bin's pushed a.bin's out: one idle at most");
            assertArrayEquals(a, Files.readAllBytes(mnt.resolve("a.bin")));
            awaitUnused(fs);
            assertEquals(3, fs.objectsOpened(), "a.bin was opened and checked again");

            fs.forget(node("a.bin"), 1);
            assertEquals(0, fs.idleObjects(), "a forgotten inode's backing id is dropped at once");
            assertArrayEquals(a, Files.readAllBytes(mnt.resolve("a.bin")), "and a later open registers a new one");
            awaitUnused(fs);
            assertEquals(4, fs.objectsOpened());
            assertEquals(5, m.session().stats().passthroughOpens(), "every open of an external file passed through");
        }
    }

    @Test
    void aTamperedObjectIsRefusedOnEveryOpenWithPassthrough() throws Exception {
        try (Mounted m = mount(true)) {
            Assumptions.assumeTrue(m.session().passthroughGranted(), "SKIPPED: the kernel has no FUSE passthrough");
            assertTamperedRefusedWhateverIsKept(m.fs());
        }
    }

    @Test
    void aTamperedObjectIsRefusedOnEveryReadWithoutPassthrough() throws Exception {
        try (Mounted m = mount(false)) {
            assertTamperedRefusedWhateverIsKept(m.fs());
        }
    }

    @Test
    void anObjectChangedAfterItsCheckIsRefusedThoughItsHandleIsKeptWithPassthrough() throws Exception {
        try (Mounted m = mount(true)) {
            Assumptions.assumeTrue(m.session().passthroughGranted(), "SKIPPED: the kernel has no FUSE passthrough");
            assertChangedObjectRefused(m.fs(), true);
        }
    }

    @Test
    void anObjectChangedAfterItsCheckIsRefusedThoughItsHandleIsKeptWithoutPassthrough() throws Exception {
        try (Mounted m = mount(false)) {
            assertChangedObjectRefused(m.fs(), false);
        }
    }

    /** a.bin is read (checked, then kept idle), its object changed in place: the next read fails. */
    private void assertChangedObjectRefused(ComposefsFilesystem fs, boolean passthrough) throws Exception {
        assertArrayEquals(a, Files.readAllBytes(mnt.resolve("a.bin")));
        awaitUnused(fs);
        assertEquals(1, fs.idleObjects(), "a.bin's object is kept");
        Path object = objects.resolve(FsVerity.objectPath(FsVerity.digest(a)));
        byte[] changed = a.clone();
        changed[1000] ^= 1;
        Files.write(object, changed); // same inode: the kept fd (or backing file) sees the change
        if (!passthrough) {
            // the kernel's page cache of a.bin would answer without asking the server: it is
            // dropped here as memory pressure may drop it any time (passthrough: the cache is the
            // object's own, and opening a.bin is what is tested)
            dropCachedPages(mnt.resolve("a.bin"));
        }
        IOException e = assertThrows(IOException.class, () -> Files.readAllBytes(mnt.resolve("a.bin")));
        assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
        assertEquals(0, fs.idleObjects(), "the changed object's handle was dropped");
    }

    /** POSIX_FADV_DONTNEED through the mount: needs no OPEN of an open-less session. */
    private static void dropCachedPages(Path file) throws IOException {
        int fd = FileCalls.openat(FileCalls.AT_FDCWD, PathNames.bytes(file), FileCalls.O_RDONLY | FileCalls.O_CLOEXEC,
                file.toString());
        try {
            Io.posixFadvise(fd, 0, 0, Io.POSIX_FADV_DONTNEED);
        } finally {
            FileCalls.close(fd);
        }
    }

    private void assertTamperedRefusedWhateverIsKept(ComposefsFilesystem fs) throws Exception {
        for (String before : List.of("a.bin", "b.bin", "a.bin")) {
            IOException e = assertThrows(IOException.class, () -> Files.readAllBytes(mnt.resolve("tampered.bin")));
            assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
            assertArrayEquals(before.equals("a.bin") ? a : b, Files.readAllBytes(mnt.resolve(before)));
            awaitUnused(fs);
            assertTrue(fs.idleObjects() <= 1);
        }
        assertThrows(IOException.class, () -> Files.readAllBytes(mnt.resolve("tampered.bin")));
    }
}
