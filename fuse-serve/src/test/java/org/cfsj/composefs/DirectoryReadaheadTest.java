package org.cfsj.composefs;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.fuse.FuseDevice;
import org.cfsj.fuse.Mounts;
import org.cfsj.fuse.fs.FsContext;
import org.cfsj.fuse.kernel.Opcode;
import org.cfsj.mount.ComposefsServer;
import org.cfsj.mount.MountOptions;
import org.cfsj.sys.Processes;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Metadata;
import org.cfsj.tree.RegularFile;
import org.cfsj.verity.FsVerity;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Readahead across a directory's files: the window a run of in-order first reads opens (no mount),
 * and over a real FUSE mount that pushed files are read without a request, with the right bytes,
 * that a changed object is never pushed, and that out-of-order reading pushes nothing.
 */
class DirectoryReadaheadTest {
    private static final long DIR = 100;

    @TempDir
    Path tmp;

    /** Ten candidate files of 1000 bytes at dirent indexes 2..11 (after "." and ".."), nids 1000.. . */
    private static DirectoryReadahead listedTen() {
        DirectoryReadahead r = new DirectoryReadahead((nid, dst) -> 0, new NodeIds(1));
        for (int i = 0; i < 10; i++) {
            r.listed(DIR, i + 2, 1000 + i, 1000);
        }
        return r;
    }

    @Test
    void inOrderFirstReadsOpenAWindowThatDoubles() {
        DirectoryReadahead r = listedTen();
        assertArrayEquals(new long[] {1001, 1002, 1003, 1004}, r.plan(1000), "the first file starts a small window");
        assertArrayEquals(new long[] {1006, 1007, 1008, 1009}, r.plan(1005), "the reader consumed it: the next, larger one");
        assertArrayEquals(new long[0], r.plan(1009), "the end of the directory");
    }

    @Test
    void outOfOrderReadsPushNothingAndResetTheWindow() {
        DirectoryReadahead r = listedTen();
        for (long nid = 1009; nid >= 1000; nid--) {
            assertArrayEquals(new long[0], r.plan(nid), "backwards, at " + nid);
        }
        assertArrayEquals(new long[0], r.plan(1004));
        assertArrayEquals(new long[] {1006, 1007, 1008, 1009}, r.plan(1005), "two neighbours start a new, small window");
        assertArrayEquals(new long[0], r.plan(2000), "a file never listed");
    }

    @Test
    void filesLookedUpInAnyOrderTakeTheirPlaceInTheListing() {
        DirectoryReadahead r = new DirectoryReadahead((nid, dst) -> 0, new NodeIds(1));
        r.listed(DIR, 6, 1004, 1000); // looked up before its directory was listed
        r.listed(DIR, 2, 1000, 1000);
        r.listed(DIR, 3, 1001, 1000);
        r.listed(DIR, 6, 1004, 1000); // listed again: once only
        r.listed(DIR, 5, 1003, 1000);
        r.listed(DIR, 4, 1002, 1000);
        assertArrayEquals(new long[] {1001, 1002, 1003, 1004}, r.plan(1000));
    }

    @Test
    void trackingIsBoundedAndStartsOverWhenFull() {
        DirectoryReadahead r = new DirectoryReadahead((nid, dst) -> 0, new NodeIds(1), 6, true);
        for (int i = 0; i < 6; i++) {
            r.listed(DIR, i + 2, 1000 + i, 1000);
        }
        r.listed(DIR + 1, 2, 2000, 1000); // the seventh file: everything older is dropped
        r.listed(DIR + 1, 3, 2001, 1000);
        assertArrayEquals(new long[0], r.plan(1000), "forgotten");
        assertArrayEquals(new long[] {2001}, r.plan(2000), "tracked from the restart on");
    }

    @Test
    void onlySmallNonEmptyFilesAreCandidatesAndWindowsAreCappedInBytes() {
        DirectoryReadahead r = new DirectoryReadahead((nid, dst) -> 0, new NodeIds(1));
        r.listed(DIR, 2, 1000, 10);
        r.listed(DIR, 3, 1001, 0); // empty: nothing to push
        r.listed(DIR, 4, 1002, DirectoryReadahead.MAX_FILE + 1); // the kernel's own readahead serves it
        for (int i = 0; i < 40; i++) {
            r.listed(DIR, 5 + i, 2000 + i, DirectoryReadahead.MAX_FILE);
        }
        assertArrayEquals(new long[] {2000, 2001, 2002, 2003}, r.plan(1000), "the empty and the large file are skipped");
        assertEquals(8, r.plan(2004).length, "window of 8");
        long[] capped = r.plan(2013);
        assertEquals(DirectoryReadahead.MAX_WINDOW_BYTES / DirectoryReadahead.MAX_FILE, capped.length,
                "a window of 16 files capped at MAX_WINDOW_BYTES");
        assertEquals(2014, capped[0]);
    }

    @Test
    void aWindowsFilesAreAllAskedForBeforeTheFirstIsPushed() throws Exception {
        // the disk gets the whole window's reads at once; the first file is read right away anyway
        assertEquals(List.of("prefetch 1002", "prefetch 1003", "prefetch 1004", "load 1001", "load 1002", "load 1003",
                "load 1004", "stored 4"), oneWindow(true));
    }

    @Test
    void withPassthroughAWindowIsOnlyPrefetched() throws Exception {
        // the kernel reads the objects itself: nothing is loaded or stored
        assertEquals(List.of("prefetch 1001", "prefetch 1002", "prefetch 1003", "prefetch 1004"), oneWindow(false));
    }

    /** What the pusher does with the window that a first read of the first of ten listed files opens. */
    private static List<String> oneWindow(boolean pushData) throws Exception {
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(4);
        DirectoryReadahead r = new DirectoryReadahead(new DirectoryReadahead.Loader() {
            @Override
            public long load(long nid, MemorySegment dst) {
                events.add("load " + nid);
                return 1;
            }

            @Override
            public void prefetch(long nid) {
                events.add("prefetch " + nid);
                if (!pushData) {
                    done.countDown();
                }
            }
        }, new NodeIds(1), DirectoryReadahead.MAX_TRACKED, pushData);
        for (int i = 0; i < 10; i++) {
            r.listed(DIR, i + 2, 1000 + i, 1000);
        }
        AtomicInteger stored = new AtomicInteger();
        r.start(new FsContext() {
            @Override
            public boolean passthroughAvailable() {
                return !pushData;
            }

            @Override
            public int openBacking(int fd) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void closeBacking(int backingId) {}

            @Override
            public boolean storeData(long node, long offset, MemorySegment data) {
                if (stored.incrementAndGet() == 4) {
                    events.add("stored 4");
                }
                done.countDown();
                return true;
            }
        });
        try {
            r.firstRead(1000);
            assertTrue(done.await(10, TimeUnit.SECONDS), "events: " + events);
            Thread.sleep(50); // anything more would show up now
        } finally {
            r.stop();
        }
        return List.copyOf(events);
    }

    @Test
    void pushedFilesAreReadWithoutRequestsAndAChangedObjectIsNeverPushed() throws Exception {
        Assumptions.assumeTrue(Files.exists(FuseDevice.PATH), "SKIPPED: /dev/fuse is missing, cannot test real mounts");
        Assumptions.assumeTrue(Processes.geteuid() == 0, "SKIPPED: real FUSE mounts in tests need root");
        Path objects = Files.createDirectory(tmp.resolve("objects"));
        Path mnt = Files.createDirectory(tmp.resolve("mnt"));
        Random random = new Random(7);
        Metadata meta = new Metadata(0644, 0, 0, 1_700_000_000L, 0, 1, List.of());
        Directory root = new Directory(new Metadata(0755, 0, 0, 1_700_000_000L, 0, 4, List.of()));
        List<byte[]> inOrder = new ArrayList<>();
        List<byte[]> backwards = new ArrayList<>();
        Directory seq = new Directory(new Metadata(0755, 0, 0, 1_700_000_000L, 0, 2, List.of()));
        Directory rev = new Directory(new Metadata(0755, 0, 0, 1_700_000_000L, 0, 2, List.of()));
        for (int i = 0; i < 30; i++) {
            byte[] a = new byte[3000 + random.nextInt(9000)];
            random.nextBytes(a);
            seq.add(Bytes.of(String.format("f%02d", i)), external(objects, meta, a));
            inOrder.add(a);
            byte[] b = new byte[3000 + random.nextInt(9000)];
            random.nextBytes(b);
            rev.add(Bytes.of(String.format("f%02d", i)), external(objects, meta, b));
            backwards.add(b);
        }
        root.add(Bytes.of("seq"), seq);
        root.add(Bytes.of("rev"), rev);
        Path image = tmp.resolve("image.cfs");
        Files.write(image, ComposefsImageWriter.toBytes(root, ComposefsImageWriter.Options.DEFAULT));
        // f09's object changes after the image recorded its digest
        Path changed = objects.resolve(FsVerity.objectPath(FsVerity.digest(inOrder.get(9))));
        byte[] bad = inOrder.get(9).clone();
        bad[5] ^= 1;
        Files.write(changed, bad);

        try (ComposefsServer server = ComposefsServer.start(image, objects, mnt,
                MountOptions.builder().threads(2).passthrough(false).quiet(true).build())) {
            ComposefsFilesystem fs = server.filesystem();
            try (Stream<Path> s = Files.list(mnt.resolve("seq"))) {
                assertEquals(30, s.count()); // READDIRPLUS: the kernel now holds every file's inode
            }
            assertArrayEquals(inOrder.get(0), Files.readAllBytes(mnt.resolve("seq/f00")));
            awaitPushed(fs, 4); // f01..f04
            long reads = server.stats().count(Opcode.READ);
            for (int i = 1; i <= 4; i++) {
                assertArrayEquals(inOrder.get(i), Files.readAllBytes(mnt.resolve(String.format("seq/f%02d", i))));
            }
            assertEquals(reads, server.stats().count(Opcode.READ), "pushed files are page-cache hits");

            assertArrayEquals(inOrder.get(5), Files.readAllBytes(mnt.resolve("seq/f05"))); // window f06..f13
            awaitPushed(fs, 4 + 7); // all but f09, whose object fails its digest check
            IOException eio = assertThrows(IOException.class, () -> Files.readAllBytes(mnt.resolve("seq/f09")));
            assertTrue(eio.getMessage().contains("Input/output error"), eio.getMessage());
            awaitPushed(fs, 4 + 7 + 12); // f09's miss was in order too: window of 16, f14..f25
            reads = server.stats().count(Opcode.READ);
            assertArrayEquals(inOrder.get(10), Files.readAllBytes(mnt.resolve("seq/f10")));
            assertEquals(reads, server.stats().count(Opcode.READ));

            long pushed = fs.readaheadFiles();
            try (Stream<Path> s = Files.list(mnt.resolve("rev"))) {
                assertEquals(30, s.count());
            }
            reads = server.stats().count(Opcode.READ);
            for (int i = 29; i >= 0; i--) {
                assertArrayEquals(backwards.get(i), Files.readAllBytes(mnt.resolve(String.format("rev/f%02d", i))));
            }
            Thread.sleep(200);
            assertEquals(pushed, fs.readaheadFiles(), "reading backwards pushes nothing");
            assertEquals(reads + 30, server.stats().count(Opcode.READ), "every backwards read is a request");
        }
        assertFalse(Mounts.isMountPoint(mnt));
    }

    private static void awaitPushed(ComposefsFilesystem fs, long n) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (fs.readaheadFiles() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(fs.readaheadFiles() >= n, "pushed " + fs.readaheadFiles() + " files, expected " + n);
    }

    private static RegularFile external(Path objects, Metadata meta, byte[] content) throws IOException {
        byte[] digest = FsVerity.digest(content);
        String payload = FsVerity.objectPath(digest);
        Path object = objects.resolve(payload);
        Files.createDirectories(object.getParent());
        Files.write(object, content);
        return RegularFile.external(meta, content.length, payload, digest);
    }
}
