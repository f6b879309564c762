package org.cfsj.objects;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.cfsj.sys.Errno;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.Io;
import org.cfsj.sys.PathNames;
import org.cfsj.sys.SysException;
import org.cfsj.tree.Bytes;
import org.cfsj.verity.DigestLedger;
import org.cfsj.verity.FsVerity;
import org.cfsj.verity.VerityAlgorithm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link VerifiedObjects} on a real object directory; this kernel has no fs-verity, so digests are checked in user space. */
class VerifiedObjectsTest {
    /** fs-verity digest of "hello world" (DESIGN.md, and {@code fsverity digest}). */
    private static final String HELLO_DIGEST = "1e2eaa4202d750a41174ee454970b92c1bc2f925b1e35076d8c7d5f56362ba64";

    @TempDir
    Path base;

    private long fdsBefore;

    @BeforeEach
    void countFds() throws IOException {
        fdsBefore = openFds();
    }

    @AfterEach
    void noFdLeaks() throws IOException {
        assertEquals(fdsBefore, openFds(), "file descriptors leaked");
    }

    @Test
    void recomputeAllDeliversDigestsInOrderAndRefusesSymlinksAndNonFiles() throws IOException {
        List<String> payloads = new ArrayList<>();
        List<byte[]> expected = new ArrayList<>();
        for (int i = 0; i < 700; i++) { // more than one chunk of open fds
            byte[] content = randomBytes(i % 7 == 0 ? 70_000 : 300, 1000 + i);
            byte[] digest = put(content);
            payloads.add(FsVerity.objectPath(digest));
            expected.add(digest);
        }
        Files.writeString(base.resolve("target"), "not an object");
        Files.createSymbolicLink(base.resolve("link"), Path.of("target"));
        Files.createDirectories(base.resolve("dir"));
        payloads.addAll(List.of("link", "dir", "absent"));
        for (int threads : new int[] {1, 3}) {
            List<String> seen = new ArrayList<>();
            try (VerifiedObjects store = new VerifiedObjects(base, false)) {
                store.recomputeAll(payloads, VerityAlgorithm.SHA256_12, threads, (payload, digest, failure) -> {
                    int i = seen.size();
                    seen.add(payload);
                    if (i < expected.size()) {
                        assertNull(failure, payload);
                        assertArrayEquals(expected.get(i), digest, payload);
                    } else {
                        assertNull(digest, payload);
                        assertTrue(failure != null, payload);
                    }
                });
            }
            assertEquals(payloads, seen, "threads=" + threads);
        }
        try (VerifiedObjects store = new VerifiedObjects(base, false)) {
            assertTrue(store.exists(payloads.get(0)));
            assertTrue(store.exists("link"), "the last name itself counts, not followed");
            assertFalse(store.exists("absent"));
        }
    }

    @Test
    void sha512ObjectIsCheckedWithSha512AndRecordedInTheLedgerAsSuch() throws IOException {
        byte[] content = randomBytes(70_000, 512);
        byte[] digest = VerityAlgorithm.SHA512_12.digest(content);
        String payload = FsVerity.objectPath(digest);
        assertEquals(2 + 1 + 126, payload.length(), "objects/XX/<126 hex>");
        Path object = base.resolve(payload);
        Files.createDirectories(object.getParent());
        Files.write(object, content);
        Path ledgerFile = base.resolve("ledger");
        {
            try (DigestLedger ledger = DigestLedger.open(ledgerFile);
                    VerifiedObjects store = new VerifiedObjects(base, false, 16, ledger)) {
                VerifiedObjects.close(store.open(payload, digest).fd());
                assertEquals(1, ledger.size(), "the sha512 digest was recorded");
                // the checked digest is the image's: the same file checked by sha256 is a second check,
                // not the remembered sha512 digest compared with a sha256 one
                VerifiedObjects.close(store.open(payload, FsVerity.digest(content)).fd());
                assertEquals(2, ledger.size(), "one record per algorithm");
                assertThrows(ObjectVerificationException.class, () -> store.open(payload, new byte[32]));
            }
            flipByte(object, 100);
            try (VerifiedObjects store = new VerifiedObjects(base, false)) {
                assertThrows(ObjectVerificationException.class, () -> store.open(payload, digest));
            }
            List<byte[]> seen = new ArrayList<>();
            try (VerifiedObjects store = new VerifiedObjects(base, false)) {
                store.recomputeAll(List.of(payload), VerityAlgorithm.SHA512_12, 1, (p, d, failure) -> seen.add(d));
            }
            assertEquals(64, seen.get(0).length);
            assertFalse(java.util.Arrays.equals(digest, seen.get(0)), "fsck's recomputation sees the flipped byte");
        }
    }

    @Test
    void goodObjectOpensAndItsFdReadsTheContent() throws IOException {
        byte[] content = "hello world".getBytes(StandardCharsets.US_ASCII);
        byte[] digest = put(content);
        assertEquals(HELLO_DIGEST, FsVerity.toHex(digest));
        try (VerifiedObjects store = new VerifiedObjects(base, false)) {
            assertTrue(store.verityMode().contains("fs-verity"), store.verityMode());
            OpenObject o = store.open(FsVerity.objectPath(digest), digest);
            try {
                assertEquals(content.length, o.size());
                assertArrayEquals(content, Io.readFully(o.fd(), content.length, "object"));
            } finally {
                VerifiedObjects.close(o.fd());
            }
            assertEquals(1, store.checked());
            assertEquals(0, store.failures());
        }
    }

    @Test
    void emptyObjectMatchesTheKnownDigest() throws IOException {
        byte[] digest = put(new byte[0]);
        assertEquals("3d248ca542a24fc62d1c43b916eae5016878e2533c88238480b26128a1f1af95", FsVerity.toHex(digest));
        try (VerifiedObjects store = new VerifiedObjects(base, false)) {
            OpenObject o = store.open(FsVerity.objectPath(digest), digest);
            VerifiedObjects.close(o.fd());
            assertEquals(0, o.size());
        }
    }

    @Test
    void verdictIsCachedSoLaterOpensAreFree() throws IOException {
        byte[] digest = put(randomBytes(100_000, 1));
        try (VerifiedObjects store = new VerifiedObjects(base, false)) {
            for (int i = 0; i < 5; i++) {
                VerifiedObjects.close(store.open(FsVerity.objectPath(digest), digest).fd());
            }
            assertEquals(1, store.checked());
        }
    }

    @Test
    void tamperedObjectIsRefusedAndKeepsFailing() throws IOException {
        byte[] digest = put(randomBytes(20_000, 2));
        String payload = FsVerity.objectPath(digest);
        flipByte(base.resolve(payload), 12_345);
        byte[] actual = FsVerity.digest(base.resolve(payload));
        try (VerifiedObjects store = new VerifiedObjects(base, false)) {
            ObjectVerificationException e =
                    assertThrows(ObjectVerificationException.class, () -> store.open(payload, digest));
            assertTrue(e.getMessage().contains(payload), e.getMessage());
            assertTrue(e.getMessage().contains("expected digest " + FsVerity.toHex(digest)), e.getMessage());
            assertTrue(e.getMessage().contains("file has " + FsVerity.toHex(actual)), e.getMessage());
            assertEquals(payload, e.payload());
            assertArrayEquals(actual, e.actualDigest());
            assertEquals(1, store.failures());

            // Remembered: refused again without hashing again.
            assertThrows(ObjectVerificationException.class, () -> store.open(payload, digest));
            assertEquals(1, store.checked());
            assertEquals(2, store.failures());
        }
    }

    @Test
    void replacedFileIsCheckedAgain() throws IOException {
        byte[] good = randomBytes(30_000, 3);
        byte[] digest = put(good);
        Path object = base.resolve(FsVerity.objectPath(digest));
        flipByte(object, 0);
        try (VerifiedObjects store = new VerifiedObjects(base, false)) {
            String payload = FsVerity.objectPath(digest);
            assertThrows(ObjectVerificationException.class, () -> store.open(payload, digest));

            // A repaired copy renamed over the bad one: a new inode, so a new check.
            Path fixed = Files.write(base.resolve("fixed.tmp"), good);
            Files.move(fixed, object, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            VerifiedObjects.close(store.open(payload, digest).fd());
            assertEquals(2, store.checked());

            // Rewritten in place (same inode and size) with a new mtime: checked again, and refused.
            flipByte(object, 100);
            Files.setLastModifiedTime(object, FileTime.fromMillis(1_000_000_000_000L));
            assertThrows(ObjectVerificationException.class, () -> store.open(payload, digest));
            assertEquals(3, store.checked());
        }
    }

    @Test
    void aDigestLedgerLetsALaterStoreSkipHashing() throws IOException {
        byte[] digest = put(randomBytes(50_000, 4));
        String payload = FsVerity.objectPath(digest);
        Path ledgerFile = base.resolve("ledger");
        try (DigestLedger ledger = DigestLedger.open(ledgerFile);
                VerifiedObjects store = new VerifiedObjects(base, false, 16, ledger)) {
            VerifiedObjects.close(store.open(payload, digest).fd());
            assertEquals(0, store.ledgerHits(), "first store: hashed");
        }
        try (DigestLedger ledger = DigestLedger.open(ledgerFile);
                VerifiedObjects store = new VerifiedObjects(base, false, 16, ledger)) {
            VerifiedObjects.close(store.open(payload, digest).fd());
            assertEquals(1, store.ledgerHits(), "a later store: found in the ledger, not hashed");
            // an image expecting another digest for the same object is not answered from the ledger
            byte[] other = digest.clone();
            other[0] ^= 1;
            assertThrows(ObjectVerificationException.class, () -> store.open(payload, other));
        }
    }

    @Test
    void aLedgerRecordOfAFileChangedSinceIsNotBelieved() throws IOException {
        byte[] digest = put(randomBytes(40_000, 5));
        String payload = FsVerity.objectPath(digest);
        Path object = base.resolve(payload);
        Path ledgerFile = base.resolve("ledger");
        try (DigestLedger ledger = DigestLedger.open(ledgerFile);
                VerifiedObjects store = new VerifiedObjects(base, false, 16, ledger)) {
            VerifiedObjects.close(store.open(payload, digest).fd());
        }
        // rewritten in place, same size, and the old mtime put back: only ctime tells
        FileTime mtime = Files.getLastModifiedTime(object);
        flipByte(object, 777);
        Files.setLastModifiedTime(object, mtime);
        try (DigestLedger ledger = DigestLedger.open(ledgerFile);
                VerifiedObjects store = new VerifiedObjects(base, false, 16, ledger)) {
            assertThrows(ObjectVerificationException.class, () -> store.open(payload, digest));
            assertEquals(0, store.ledgerHits());
            assertEquals(1, store.checked(), "hashed again");
        }
    }

    @Test
    void insecureStoreOpensATamperedObjectUnchecked() throws IOException {
        byte[] digest = put(randomBytes(5000, 4));
        String payload = FsVerity.objectPath(digest);
        flipByte(base.resolve(payload), 7);
        try (VerifiedObjects store = new VerifiedObjects(base, true)) {
            assertTrue(store.verityMode().startsWith("INSECURE"), store.verityMode());
            OpenObject o = store.open(payload, digest);
            VerifiedObjects.close(o.fd());
            assertEquals(5000, o.size());
            assertEquals(0, store.checked());
        }
    }

    @Test
    void objectWithoutExpectedDigestIsRefusedUnlessInsecure() throws IOException {
        byte[] digest = put(randomBytes(5000, 5));
        String payload = FsVerity.objectPath(digest);
        try (VerifiedObjects store = new VerifiedObjects(base, false)) {
            MissingDigestException e = assertThrows(MissingDigestException.class, () -> store.open(payload, null));
            assertEquals(payload, e.payload());
            assertTrue(e.getMessage().contains("no fs-verity digest") && e.getMessage().contains("--insecure"), e.getMessage());
            assertEquals(0, store.checked());
        }
        try (VerifiedObjects store = new VerifiedObjects(base, true)) {
            OpenObject o = store.open(payload, null);
            VerifiedObjects.close(o.fd());
            assertEquals(5000, o.size());
        }
    }

    @Test
    void aSymlinkedDirectoryInTheStoreIsNotFollowedOutOfIt() throws IOException {
        // the right object (content matching its digest) exists, but outside the store, reached
        // only through a symlinked xx/ directory planted in the store
        byte[] content = randomBytes(9000, 8);
        byte[] digest = FsVerity.digest(content);
        String payload = FsVerity.objectPath(digest);
        String xx = payload.substring(0, 2);
        Path store = Files.createDirectory(base.resolve("store"));
        Path outside = Files.createDirectories(base.resolve("outside").resolve(xx));
        Files.write(outside.resolve(payload.substring(3)), content);
        Files.createSymbolicLink(store.resolve(xx), outside);
        // a symlinked directory pointing inside the store is refused too: no symlink is crossed
        Path real = Files.createDirectories(store.resolve("real"));
        Files.write(real.resolve("obj"), content);
        Files.createSymbolicLink(store.resolve("in"), Path.of("real"));
        for (boolean insecure : new boolean[] {false, true}) {
            try (VerifiedObjects s = new VerifiedObjects(store, insecure)) {
                SysException e = assertThrows(SysException.class, () -> s.open(payload, digest), "insecure=" + insecure);
                assertEquals(Errno.ELOOP, e.errno(), e.getMessage());
                e = assertThrows(SysException.class, () -> s.open("in/obj", digest));
                assertEquals(Errno.ELOOP, e.errno(), e.getMessage());
                VerifiedObjects.close(s.open("real/obj", digest).fd()); // the same file without a symlink: fine
                VerifiedObjects.close(s.open("./real//obj", digest).fd());
                s.willNeed(payload); // best effort: refused quietly, nothing opened outside
            }
        }
        // the walk that stands in where the kernel has no openat2
        int dirfd = FileCalls.openat(FileCalls.AT_FDCWD, PathNames.bytes(store), FileCalls.O_RDONLY | FileCalls.O_DIRECTORY | FileCalls.O_CLOEXEC, "store");
        try {
            int flags = FileCalls.O_RDONLY | FileCalls.O_CLOEXEC;
            for (String bad : List.of(payload, "in/obj", "./in/obj", "in//obj")) {
                SysException e = assertThrows(SysException.class,
                        () -> ConfinedOpen.openByWalk(dirfd, Bytes.of(bad), flags, bad), bad);
                assertEquals(Errno.ENOTDIR, e.errno(), bad + ": " + e.getMessage());
            }
            Files.createSymbolicLink(real.resolve("link"), Path.of("obj"));
            SysException e = assertThrows(SysException.class,
                    () -> ConfinedOpen.openByWalk(dirfd, Bytes.of("real/link"), flags, "real/link"));
            assertEquals(Errno.ELOOP, e.errno(), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> ConfinedOpen.openByWalk(dirfd, Bytes.of("real/../x"), flags, "x"));
            for (String good : List.of("real/obj", "./real/obj", "real//obj")) {
                int fd = ConfinedOpen.openByWalk(dirfd, Bytes.of(good), flags, good);
                try {
                    assertArrayEquals(content, Io.readFully(fd, content.length, good));
                } finally {
                    FileCalls.close(fd);
                }
            }
        } finally {
            FileCalls.close(dirfd);
        }
    }

    @Test
    void payloadsLeavingTheStoreAreRefused() throws IOException {
        Files.writeString(base.resolve("x"), "inside");
        try (VerifiedObjects store = new VerifiedObjects(base, true)) {
            for (String bad : List.of("../x", "/etc/passwd", "ab/../../x", "..", "", "a\0b", "ab/\u0100")) {
                IOException e = assertThrows(IOException.class, () -> store.open(bad, null), bad);
                assertFalse(e instanceof SysException, "refused before opening: " + e);
            }
            VerifiedObjects.close(store.open("x", null).fd()); // a plain relative name is fine
        }
    }

    @Test
    void symlinkedObjectIsNotFollowed() throws IOException {
        Files.createDirectories(base.resolve("ab"));
        // Dangling on purpose: O_NOFOLLOW refuses any symlink, and nothing outside the temp dir is named.
        Files.createSymbolicLink(base.resolve("ab/cd"), Path.of("../../outside"));
        try (VerifiedObjects store = new VerifiedObjects(base, true)) {
            SysException e = assertThrows(SysException.class, () -> store.open("ab/cd", null));
            assertEquals(Errno.ELOOP, e.errno(), e.getMessage());
        }
    }

    @Test
    void missingObjectSaysSoWithENOENT() throws IOException {
        try (VerifiedObjects store = new VerifiedObjects(base, false)) {
            String payload = "12/3456";
            SysException e = assertThrows(SysException.class, () -> store.open(payload, new byte[32]));
            assertEquals(Errno.ENOENT, e.errno());
            assertTrue(e.getMessage().contains(base.toRealPath() + "/" + payload), e.getMessage());
            assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
        }
    }

    @Test
    void nonRegularObjectsAreRefusedWithoutHanging() throws Exception {
        Files.createDirectories(base.resolve("ab/dir"));
        try (VerifiedObjects store = new VerifiedObjects(base, false)) {
            IOException e = assertThrows(IOException.class, () -> store.open("ab/dir", new byte[32]));
            assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());

            Process mkfifo = new ProcessBuilder("mkfifo", base.resolve("ab/fifo").toString()).inheritIO().start();
            assumeTrue(mkfifo.waitFor() == 0, "mkfifo failed; cannot test a FIFO object");
            e = assertThrows(IOException.class, () -> store.open("ab/fifo", new byte[32]));
            assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
        }
    }

    @Test
    void digestOfTheWrongLengthIsRefused() throws IOException {
        byte[] digest = put(new byte[10]);
        try (VerifiedObjects store = new VerifiedObjects(base, false)) {
            IOException e = assertThrows(IOException.class,
                    () -> store.open(FsVerity.objectPath(digest), new byte[48]));
            assertTrue(e.getMessage().contains("sha256 (32-byte) or sha512 (64-byte)"), e.getMessage());
        }
    }

    @Test
    void basedirMustBeAnExistingDirectory() throws IOException {
        IOException missing = assertThrows(IOException.class, () -> new VerifiedObjects(base.resolve("nope"), false));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        Path file = Files.writeString(base.resolve("file"), "");
        IOException notDir = assertThrows(IOException.class, () -> new VerifiedObjects(file, false));
        assertTrue(notDir.getMessage().contains("not a directory"), notDir.getMessage());
    }

    @Test
    void closedStoreRefusesOpensAndCloseIsIdempotent() throws IOException {
        byte[] digest = put(new byte[10]);
        VerifiedObjects store = new VerifiedObjects(base, false);
        store.close();
        store.close();
        IOException e = assertThrows(IOException.class, () -> store.open(FsVerity.objectPath(digest), digest));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void concurrentFirstOpensOfALargeObjectHashItOnce() throws Exception {
        byte[] digest = put(randomBytes(50 << 20, 6));
        String payload = FsVerity.objectPath(digest);
        int threads = 8;
        try (VerifiedObjects store = new VerifiedObjects(base, false);
                ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Long>> opens = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                opens.add(pool.submit(() -> {
                    start.await();
                    OpenObject o = store.open(payload, digest);
                    VerifiedObjects.close(o.fd());
                    return o.size();
                }));
            }
            long t0 = System.nanoTime();
            start.countDown();
            for (Future<Long> f : opens) {
                assertEquals(50L << 20, f.get(60, TimeUnit.SECONDS));
            }
            System.out.printf("8 concurrent first opens of a 50 MiB object: %d ms%n",
                    (System.nanoTime() - t0) / 1_000_000);
            assertEquals(1, store.checked());
            assertEquals(0, store.failures());
        }
    }

    /** Stores {@code content} under its own fs-verity digest (xx/rest) and returns the digest. */
    private byte[] put(byte[] content) throws IOException {
        byte[] digest = FsVerity.digest(content);
        Path object = base.resolve(FsVerity.objectPath(digest));
        Files.createDirectories(object.getParent());
        Files.write(object, content);
        return digest;
    }

    private static void flipByte(Path file, int offset) throws IOException {
        byte[] data = Files.readAllBytes(file);
        data[offset] ^= 0x01;
        Files.write(file, data);
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    private static long openFds() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        }
    }
}
