package org.cfsj.it.hostile;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.cfsj.erofs.Dirent;
import org.cfsj.erofs.ErofsImage;
import org.cfsj.erofs.ErofsLayout;
import org.cfsj.erofs.Inode;
import org.cfsj.sys.FileCalls;
import org.cfsj.sys.Io;
import org.cfsj.sys.SysException;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.cfsj.tree.Bytes;
import org.cfsj.verity.FsVerity;
import org.cfsj.verity.VerityAlgorithm;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile images and object directories against the real {@code cfsj fuse-serve} on a real FUSE
 * mount: a symlinked {@code xx/} directory in the object directory is not followed out of it, a
 * file without an fs-verity digest is refused unless {@code --insecure}, and entries no file can
 * have (extra "." and "..", names with a NUL or a '/') are neither listed nor found.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FuseHostileImageTest {
    private static final int EIO = 5;

    @TempDir
    Path tmp;

    @BeforeEach
    void needFuse() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "SKIPPED: these tests mount FUSE with cfsj fuse-serve and need root: run the suite as root");
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "SKIPPED: /dev/fuse is missing (load the fuse module)");
    }

    @Test
    void aSymlinkedObjectDirectoryIsNotFollowedOutOfTheBasedir() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src"));
        byte[] content = new byte[50_000];
        new Random(11).nextBytes(content);
        Files.write(src.resolve("file"), content);
        Path image = tmp.resolve("image.cfs");
        Path objects = tmp.resolve("objects");
        cfsj(0, "mkcomposefs", src.toString(), image.toString(), "--digest-store", objects.toString());
        // move the object's xx/ directory out of the store and leave a symlink to it: the object
        // outside has exactly the content and name the image asks for
        Path xx;
        try (var s = Files.list(objects)) {
            xx = s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).findFirst().orElseThrow();
        }
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Path moved = outside.resolve(xx.getFileName());
        Files.move(xx, moved);
        Files.createSymbolicLink(xx, moved);
        Path object;
        try (var s = Files.list(moved)) {
            object = s.findFirst().orElseThrow();
        }
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setAttribute(object, "lastAccessTime", old);
        boolean atimeRecorded = recordsAtime(outside);

        for (List<String> options : List.of(List.<String>of(), List.of("--passthrough"), List.of("--insecure"))) {
            Path mnt = Files.createDirectories(tmp.resolve("mnt" + options));
            try (Served s = Served.start(image, mnt, objects, tmp.resolve("server" + options), options)) {
                assertEquals(content.length, Files.size(mnt.resolve("file")), options + ": the file is listed with its size");
                SysException e = assertThrows(SysException.class, () -> readAll(mnt.resolve("file")), options + ": read");
                assertEquals(EIO, e.errno(), options + ": " + e.getMessage());
                assertTrue(s.stop().contains("Too many levels of symbolic links"),
                        options + ": the server says why: " + s.stderr());
            }
        }
        if (atimeRecorded) {
            assertEquals(old, Files.getAttribute(object, "lastAccessTime"), "the object outside --basedir was never read");
        }
    }

    /**
     * An image naming its objects by sha512 fs-verity digests (metacopy digest_algo 2, 64 digest
     * bytes, as composefs-rs writes them) is served, each object checked in user space with
     * sha512; a changed object is refused. The same image with one metacopy xattr saying sha512
     * over a 32-byte digest is refused: {@code composefs-info dump} fails with one line, and the
     * FUSE server answers EIO for that file.
     */
    @Test
    void sha512DigestsAreCheckedAndAMetacopyWithTheWrongLengthIsRefused() throws Exception {
        byte[] content = new byte[20_000];
        new Random(13).nextBytes(content);
        byte[] digest = VerityAlgorithm.SHA512_12.digest(content);
        String hex = VerityAlgorithm.hex(digest);
        Path objects = tmp.resolve("objects");
        Path object = objects.resolve(FsVerity.objectPath(digest));
        Files.createDirectories(object.getParent());
        Files.write(object, content);
        byte[] small = "a file of more than sixty-four bytes, named by its sha256 digest in the same image.".getBytes(StandardCharsets.US_ASCII);
        byte[] smallDigest = VerityAlgorithm.SHA256_12.digest(small);
        Path smallObject = objects.resolve(FsVerity.objectPath(smallDigest));
        Files.createDirectories(smallObject.getParent());
        Files.write(smallObject, small);
        Path dump = Files.writeString(tmp.resolve("image.dump"), "/ 4096 40755 2 0 0 0 1700000000.0 - - -\n"
                + "/big " + content.length + " 100644 1 0 0 0 1700000000.0 " + FsVerity.objectPath(digest) + " - " + hex + "\n"
                + "/small " + small.length + " 100644 1 0 0 0 1700000000.0 " + FsVerity.objectPath(smallDigest) + " - "
                + VerityAlgorithm.hex(smallDigest) + "\n");
        Path image = tmp.resolve("image.cfs");
        cfsj(0, "mkcomposefs", "--from-file", dump.toString(), image.toString());
        Result dumped = Cfsj.command("composefs-info", "dump", image.toString()).timeoutSeconds(120).run();
        assertEquals(0, dumped.exit(), dumped.describe());
        assertTrue(dumped.outLatin1().contains(" " + hex + "\n"), "the dump carries the 128-hex digest:\n" + dumped.outLatin1());

        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        try (Served s = Served.start(image, mnt, objects, tmp.resolve("server"), List.of())) {
            assertArrayEquals(content, readAll(mnt.resolve("big")), "checked with sha512 and served");
            assertArrayEquals(small, readAll(mnt.resolve("small")), "a sha256 file of the same image");
        }
        byte[] changed = content.clone();
        changed[4096] ^= 1;
        Files.write(object, changed);
        Path mnt2 = Files.createDirectories(tmp.resolve("mnt2"));
        try (Served s = Served.start(image, mnt2, objects, tmp.resolve("server2"), List.of())) {
            SysException e = assertThrows(SysException.class, () -> readAll(mnt2.resolve("big")));
            assertEquals(EIO, e.errno(), e.getMessage());
            String log = s.stop();
            assertTrue(log.contains("failed fs-verity check"), log);
        }
        Files.write(object, content);

        // digest_algo of the sha256 file's metacopy set to 2 (sha512): its 32 digest bytes do not fit
        byte[] bytes = Files.readAllBytes(image);
        byte[] header = {0, 36, 0, 1};
        int at = indexOf(bytes, concat(header, smallDigest));
        assertTrue(at >= 0, "the sha256 metacopy value is in the image");
        bytes[at + 3] = 2;
        Path hostile = tmp.resolve("hostile.cfs");
        Files.write(hostile, bytes);
        Result refused = Cfsj.command("composefs-info", "dump", hostile.toString()).timeoutSeconds(120).run();
        assertEquals(1, refused.exit(), refused.describe());
        assertEquals(1, refused.err().strip().lines().count(), "one line: " + refused.err());
        assertTrue(refused.err().contains("metacopy xattr says sha512 but carries 32 digest bytes (expected 64)"),
                refused.err());
        Path mnt3 = Files.createDirectories(tmp.resolve("mnt3"));
        try (Served s = Served.start(hostile, mnt3, objects, tmp.resolve("server3"), List.of())) {
            SysException e = assertThrows(SysException.class, () -> readAll(mnt3.resolve("small")));
            assertEquals(EIO, e.errno(), e.getMessage());
            assertArrayEquals(content, readAll(mnt3.resolve("big")), "the other file is still served");
            String log = s.stop();
            assertTrue(log.contains("metacopy xattr says sha512 but carries 32 digest bytes"), log);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void aFileWithoutDigestIsRefusedUnlessInsecure() throws Exception {
        byte[] content = new byte[10_000];
        new Random(12).nextBytes(content);
        Path objects = Files.createDirectories(tmp.resolve("objects/ab"));
        Files.write(objects.resolve("object-without-digest"), content);
        // a dumpfile may name an object without a digest (the digest field "-"), as C mkcomposefs allows
        Path dump = Files.writeString(tmp.resolve("image.dump"), "/ 4096 40755 2 0 0 0 1700000000.0 - - -\n"
                + "/nodigest " + content.length + " 100644 1 0 0 0 1700000000.0 ab/object-without-digest - -\n");
        Path image = tmp.resolve("image.cfs");
        cfsj(0, "mkcomposefs", "--from-file", dump.toString(), image.toString());

        for (List<String> options : List.of(List.<String>of(), List.of("--passthrough"))) {
            Path mnt = Files.createDirectories(tmp.resolve("mnt" + options));
            try (Served s = Served.start(image, mnt, tmp.resolve("objects"), tmp.resolve("server" + options), options)) {
                for (int i = 0; i < 3; i++) {
                    SysException e = assertThrows(SysException.class, () -> readAll(mnt.resolve("nodigest")), options + ": read");
                    assertEquals(EIO, e.errno(), options + ": " + e.getMessage());
                }
                String log = s.stop();
                assertEquals(1, log.lines().filter(l -> l.contains("no fs-verity digest")).count(),
                        options + ": one log line for three refusals, naming the reason:\n" + log);
                assertTrue(log.contains("--insecure"), log);
            }
        }
        Path mnt = Files.createDirectories(tmp.resolve("mnt-insecure"));
        try (Served s = Served.start(image, mnt, tmp.resolve("objects"), tmp.resolve("server-insecure"), List.of("--insecure"))) {
            assertArrayEquals(content, readAll(mnt.resolve("nodigest")), "--insecure serves it unchecked");
        }
    }

    @Test
    void entriesNoFileCanHaveAreNeitherListedNorFound() throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src/d"));
        for (String n : List.of("-", "--", "a_b", "c_d", "e", "zz")) {
            Files.writeString(src.resolve(n), n + " content\n");
        }
        Path image = tmp.resolve("image.cfs");
        cfsj(0, "mkcomposefs", tmp.resolve("src").toString(), image.toString());
        renameEntry(image, "d", "-", Bytes.of("."));
        renameEntry(image, "d", "--", Bytes.of(".."));
        renameEntry(image, "d", "a_b", Bytes.of("a/b"));
        renameEntry(image, "d", "c_d", new byte[] {'c', 0, 'd'});

        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        Path objects = Files.createDirectories(tmp.resolve("objects"));
        try (Served s = Served.start(image, mnt, objects, tmp.resolve("server"), List.of())) {
            for (int pass = 0; pass < 2; pass++) { // the second listing comes from the kernel's caches in part
                assertEquals(List.of(".", "..", "e", "zz"), getdents(mnt.resolve("d")), "pass " + pass);
            }
            Result ls = Command.of("ls", "-a", mnt.resolve("d").toString()).mergeStderr().run();
            String out = ls.out();
            assertEquals(0, ls.exit(), "ls -a: " + out);
            assertEquals(List.of(".", "..", "e", "zz"), out.lines().toList(), "ls -a");
            assertFalse(Files.exists(mnt.resolve("d/c"), LinkOption.NOFOLLOW_LINKS), "the name cut at its NUL is not found");
            assertFalse(Files.exists(mnt.resolve("d/a"), LinkOption.NOFOLLOW_LINKS));
            assertEquals("e content\n", Files.readString(mnt.resolve("d/e")));
            String log = s.stop();
            assertEquals(1, log.lines().filter(l -> l.contains("not listing entry")).count(),
                    "one log line per image, however often it is listed:\n" + log);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** The names getdents64 returns for a directory, "." and ".." included, in order. */
    private static List<String> getdents(Path dir) throws IOException, InterruptedException {
        // FileCalls.readDirectory drops "." and ".."; count them through ls -f (unsorted, all entries) instead
        Result ls = Command.of("ls", "-f", dir.toString()).mergeStderr().run();
        String out = ls.outLatin1();
        assertEquals(0, ls.exit(), "ls -f " + dir + ": " + out);
        return out.lines().toList();
    }

    private static byte[] readAll(Path file) throws IOException {
        int fd = FileCalls.openat(FileCalls.AT_FDCWD, Bytes.of(file.toString()), FileCalls.O_RDONLY | FileCalls.O_CLOEXEC, file.toString());
        try {
            return Io.readFully(fd, (int) Files.size(file), file.toString());
        } finally {
            FileCalls.close(fd);
        }
    }

    /** Whether a read on this filesystem moves an old atime (not so under noatime). */
    private static boolean recordsAtime(Path dir) throws IOException {
        Path probe = Files.writeString(dir.resolve("atime-probe"), "probe");
        FileTime old = FileTime.fromMillis(1_000_000_000_000L);
        Files.setAttribute(probe, "lastAccessTime", old);
        Files.readAllBytes(probe);
        boolean moved = !old.equals(Files.getAttribute(probe, "lastAccessTime"));
        Files.delete(probe);
        if (!moved) {
            System.err.println("FuseHostileImageTest: " + dir + " does not record atime (noatime?): "
                    + "cannot also check that the object outside --basedir was never read");
        }
        return moved;
    }

    private static void cfsj(int expectedExit, String... args) throws IOException, InterruptedException {
        Result r = Cfsj.command(args).mergeStderr().timeoutSeconds(120).run();
        assertEquals(expectedExit, r.exit(), "cfsj " + String.join(" ", args) + ":\n" + r.out());
    }

    /**
     * Overwrites the name of entry {@code oldName} in the first dirent block of directory
     * {@code dirName} (a child of the root) with {@code newName} of the same length: only name
     * bytes change, the entry table stays valid.
     */
    private static void renameEntry(Path image, String dirName, String oldName, byte[] newName) throws IOException {
        byte[] old = Bytes.of(oldName);
        assertEquals(old.length, newName.length, "only names of the same length can be swapped in place");
        long block;
        try (ErofsImage img = ErofsImage.open(image)) {
            Dirent d = img.lookup(img.inode(img.rootNid()), Bytes.of(dirName)).orElseThrow();
            Inode dir = img.inode(d.nid());
            block = switch (dir.layout()) {
                case ErofsLayout.LAYOUT_FLAT_PLAIN -> dir.rawBlkaddr() * ErofsLayout.BLOCK_SIZE;
                case ErofsLayout.LAYOUT_FLAT_INLINE ->
                        dir.size() <= ErofsLayout.BLOCK_SIZE ? dir.bodyEnd() : dir.rawBlkaddr() * ErofsLayout.BLOCK_SIZE;
                default -> throw new IOException("unexpected directory layout " + dir.layout());
            };
        }
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(ErofsLayout.BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(b, block);
            int count = Short.toUnsignedInt(b.getShort(8)) / 12; // struct erofs_dirent: nid, nameoff, type, reserved
            for (int i = 0; i < count; i++) {
                int off = Short.toUnsignedInt(b.getShort(i * 12 + 8));
                int end = i + 1 < count ? Short.toUnsignedInt(b.getShort((i + 1) * 12 + 8)) : off + old.length;
                if (end - off == old.length && end <= b.limit() && Arrays.equals(b.array(), off, end, old, 0, old.length)
                        && (i + 1 < count || end == b.limit() || b.get(end) == 0)) {
                    ch.write(ByteBuffer.wrap(newName), block + off);
                    return;
                }
            }
        }
        throw new IOException("no entry " + oldName + " in " + dirName);
    }

    /**
     * One foreground {@code cfsj fuse-serve} process: {@link #start} returns once its mount is
     * live, {@link #stop} ends it with SIGTERM and returns its stderr; {@link #close} makes sure
     * neither the process nor the mount outlives the test.
     */
    private static final class Served implements AutoCloseable {
        private final Process process;
        private final Path mnt;
        private final Path stderr;

        private Served(Process process, Path mnt, Path stderr) {
            this.process = process;
            this.mnt = mnt;
            this.stderr = stderr;
        }

        static Served start(Path image, Path mnt, Path basedir, Path work, List<String> options) throws Exception {
            Files.createDirectories(work);
            List<String> args = new ArrayList<>(List.of("fuse-serve", image.toString(), mnt.toString(), "--basedir", basedir.toString()));
            args.addAll(options);
            Path err = work.resolve("stderr");
            Process p = new ProcessBuilder(Cfsj.argv(args)).redirectInput(new File("/dev/null"))
                    .redirectOutput(work.resolve("stdout").toFile()).redirectError(err.toFile()).start();
            Served s = new Served(p, mnt, err);
            try {
                s.awaitMounted();
                return s;
            } catch (Throwable t) {
                s.close();
                throw t;
            }
        }

        private void awaitMounted() throws Exception {
            Object parentDev = Files.getAttribute(mnt.toAbsolutePath().getParent(), "unix:dev");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            try (ExecutorService statter = Executors.newVirtualThreadPerTaskExecutor()) {
                while (System.nanoTime() < deadline) {
                    assertTrue(process.isAlive(), "cfsj fuse-serve exited before mounting:\n" + stderr());
                    // stat of a FUSE mount point waits for the server: never wait on it unbounded
                    Future<Object> dev = statter.submit(() -> Files.getAttribute(mnt, "unix:dev"));
                    try {
                        if (!dev.get(10, TimeUnit.SECONDS).equals(parentDev)) {
                            return;
                        }
                    } catch (TimeoutException e) {
                        break;
                    } catch (java.util.concurrent.ExecutionException e) {
                        // not connected yet: look again
                    }
                    Thread.sleep(20);
                }
                statter.shutdownNow();
            }
            fail("the mount at " + mnt + " was not live within 30 s:\n" + stderr());
        }

        String stderr() {
            try {
                return Files.readString(stderr, StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                return "(cannot read " + stderr + ": " + e + ")";
            }
        }

        /** SIGTERM, then the server's stderr once it has exited. */
        String stop() throws Exception {
            process.destroy();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "cfsj fuse-serve did not exit on SIGTERM:\n" + stderr());
            return stderr();
        }

        @Override
        public void close() throws Exception {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
            // a server killed hard leaves its mount behind: detach it (nothing to do if it is gone)
            Command.of("umount", "-l", mnt.toString()).timeoutSeconds(10).run();
        }
    }
}
