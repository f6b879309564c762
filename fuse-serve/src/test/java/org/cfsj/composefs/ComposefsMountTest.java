package org.cfsj.composefs;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.cfsj.erofs.ErofsImage;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.fuse.FuseDevice;
import org.cfsj.fuse.Mounts;
import org.cfsj.fuse.kernel.Opcode;
import org.cfsj.mount.ComposefsServer;
import org.cfsj.mount.MountOptions;
import org.cfsj.sys.Processes;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Fifo;
import org.cfsj.tree.Metadata;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Symlink;
import org.cfsj.tree.Xattr;
import org.cfsj.testsupport.Command;
import org.cfsj.verity.FsVerity;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Serves a composefs image built in-process (with cfsj's image writer) over a real FUSE mount and
 * checks what the kernel shows: names, attributes, hardlinks, symlinks, xattrs as overlayfs shows
 * them, inline and external data, verity failures, read-only errors, passthrough, corruption.
 */
class ComposefsMountTest {
    private static final long MTIME = 1_700_000_123L;

    @TempDir
    Path tmp;

    Path image;
    Path objects;
    Path mnt;
    byte[] big;
    byte[] inline = "hello, composefs\n".getBytes(StandardCharsets.US_ASCII);

    @BeforeEach
    void setUp() throws IOException {
        Assumptions.assumeTrue(Files.exists(FuseDevice.PATH), "SKIPPED: /dev/fuse is missing, cannot test real mounts");
        Assumptions.assumeTrue(Processes.geteuid() == 0, "SKIPPED: real FUSE mounts in tests need root");
        objects = Files.createDirectory(tmp.resolve("objects"));
        mnt = Files.createDirectory(tmp.resolve("mnt"));
        big = new byte[3 * 1024 * 1024 + 123];
        new Random(42).nextBytes(big);
        byte[] tamperedContent = "this object will be changed after its digest was taken, 0123456789".repeat(100)
                .getBytes(StandardCharsets.US_ASCII);

        Directory root = new Directory(meta(0755, 2, List.of()));
        root.add(Bytes.of("inline.txt"), RegularFile.inline(meta(0644, 1, List.of(
                new Xattr(Bytes.of("user.color"), Bytes.of("blue")),
                new Xattr(Bytes.of("trusted.overlay.custom"), Bytes.of("kept")))), inline));
        RegularFile bigFile = external(big, 0640);
        root.add(Bytes.of("big.bin"), bigFile);
        root.addHardlink(Bytes.of("big-link.bin"), bigFile);
        root.add(Bytes.of("tampered.bin"), external(tamperedContent, 0644));
        root.add(Bytes.of("link"), new Symlink(meta(0777, 1, List.of()), Bytes.of("inline.txt")));
        root.add(Bytes.of("fifo"), new Fifo(meta(0600, 1, List.of())));
        root.add(Bytes.of("null"), new Device(meta(0666, 1, List.of()), false, (1 << 8) | 3));
        root.add(Bytes.of("whiteout"), new Device(meta(0644, 1, List.of()), false, 0));
        Directory dir = new Directory(meta(0750, 3, List.of()));
        Directory sub = new Directory(meta(0700, 2, List.of()));
        sub.add(Bytes.of("empty"), RegularFile.inline(meta(0444, 1, List.of()), new byte[0]));
        dir.add(Bytes.of("sub"), sub);
        root.add(Bytes.of("dir"), dir);
        for (int i = 0; i < 300; i++) {
            dir.add(Bytes.of("file-" + i), RegularFile.inline(meta(0644, 1, List.of()), Bytes.of("n" + i)));
        }
        image = tmp.resolve("image.cfs");
        Files.write(image, ComposefsImageWriter.toBytes(root, ComposefsImageWriter.Options.DEFAULT));
        // change the tampered object after the image recorded its digest
        Path tampered = objects.resolve(FsVerity.objectPath(FsVerity.digest(tamperedContent)));
        byte[] changed = tamperedContent.clone();
        changed[100] ^= 1;
        Files.write(tampered, changed);
    }

    private static Metadata meta(int perms, int nlink, List<Xattr> xattrs) {
        return new Metadata(perms, 1000, 1001, MTIME, 500, nlink, xattrs);
    }

    private RegularFile external(byte[] content, int perms) throws IOException {
        byte[] digest = FsVerity.digest(content);
        String payload = FsVerity.objectPath(digest);
        Path object = objects.resolve(payload);
        Files.createDirectories(object.getParent());
        Files.write(object, content);
        return RegularFile.external(meta(perms, perms == 0640 ? 2 : 1, List.of()), content.length, payload, digest);
    }

    private ComposefsServer serve(boolean passthrough) throws IOException {
        return ComposefsServer.start(image, objects, mnt,
                MountOptions.builder().threads(2).passthrough(passthrough).quiet(true).build());
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        return Command.of(cmd).mergeStderr().run().out();
    }

    @Test
    void showsTheImageAsTheKernelComposefsMountDoes() throws Exception {
        ComposefsServer server = serve(false);
        try {
            try (Stream<Path> s = Files.list(mnt)) {
                assertEquals(List.of("big-link.bin", "big.bin", "dir", "fifo", "inline.txt", "link", "null", "tampered.bin",
                        "whiteout"), s.map(p -> p.getFileName().toString()).sorted().toList(), "no 00..ff whiteouts");
            }
            assertFalse(Files.exists(mnt.resolve("00")), "root whiteouts are hidden from lookups too");
            try (Stream<Path> s = Files.list(mnt.resolve("dir"))) {
                assertEquals(301, s.count(), "a listing longer than one reply buffer");
            }
            // attributes
            Path bigPath = mnt.resolve("big.bin");
            assertEquals(big.length, Files.size(bigPath));
            assertEquals(0100640, Files.getAttribute(bigPath, "unix:mode"));
            assertEquals(2, Files.getAttribute(bigPath, "unix:nlink"));
            assertEquals(1000, Files.getAttribute(bigPath, "unix:uid"));
            assertEquals(1001, Files.getAttribute(bigPath, "unix:gid"));
            assertEquals(Files.getAttribute(bigPath, "unix:ino"), Files.getAttribute(mnt.resolve("big-link.bin"), "unix:ino"));
            assertEquals(MTIME, Files.getLastModifiedTime(bigPath).toInstant().getEpochSecond());
            assertEquals(500, Files.getLastModifiedTime(bigPath).toInstant().getNano());
            String stat = run("stat", "-c", "%b %X %Z %t:%T %F", mnt.resolve("null").toString()).strip();
            assertEquals("0 " + MTIME + " " + MTIME + " 1:3 character special file", stat);
            assertEquals(String.valueOf((big.length + 4095) / 4096 * 8),
                    run("stat", "-c", "%b", bigPath.toString()).strip(), "st_blocks as EROFS counts them");
            assertTrue(Files.isDirectory(mnt.resolve("dir/sub"), LinkOption.NOFOLLOW_LINKS));
            assertEquals(0, Files.size(mnt.resolve("dir/sub/empty")));
            assertEquals("fifo", run("stat", "-c", "%F", mnt.resolve("fifo").toString()).strip());
            assertEquals(Path.of("inline.txt"), Files.readSymbolicLink(mnt.resolve("link")));
            // a whiteout in the tree is an escaped regular file, shown as overlayfs shows it
            assertTrue(Files.isRegularFile(mnt.resolve("whiteout"), LinkOption.NOFOLLOW_LINKS));
            // xattrs: composefs-internal ones hidden, escaped ones unescaped
            String xattrs = run("getfattr", "--absolute-names", "-d", "-m", "-", mnt.resolve("inline.txt").toString());
            assertTrue(xattrs.contains("user.color=\"blue\""), xattrs);
            assertTrue(xattrs.contains("trusted.overlay.custom=\"kept\""), xattrs);
            String bigXattrs = run("getfattr", "--absolute-names", "-d", "-m", "-", bigPath.toString());
            assertFalse(bigXattrs.contains("overlay"), "redirect and metacopy are hidden: " + bigXattrs);
            assertTrue(run("getfattr", "--absolute-names", "-n", "user.nope", bigPath.toString()).contains("No such attribute"));
            // data
            assertArrayEquals(inline, Files.readAllBytes(mnt.resolve("inline.txt")));
            assertArrayEquals(big, Files.readAllBytes(bigPath));
            assertArrayEquals(big, Files.readAllBytes(mnt.resolve("big-link.bin")));
            try (RandomAccessFile f = new RandomAccessFile(bigPath.toFile(), "r")) {
                byte[] part = new byte[10000];
                f.seek(1_000_001);
                f.readFully(part);
                assertArrayEquals(java.util.Arrays.copyOfRange(big, 1_000_001, 1_010_001), part);
            }
            assertEquals("n42", Files.readString(mnt.resolve("dir/file-42")));
            // a changed object is never served
            IOException bad = assertThrows(IOException.class, () -> Files.readAllBytes(mnt.resolve("tampered.bin")));
            assertTrue(bad.getMessage().contains("Input/output error"), bad.getMessage());
            assertTrue(server.stats().eio() >= 1);
            // read-only
            FileSystemException ro = assertThrows(FileSystemException.class, () -> Files.writeString(bigPath, "x"));
            assertTrue(ro.getMessage().contains("Read-only"), ro.getMessage());
            assertThrows(FileSystemException.class, () -> Files.delete(mnt.resolve("inline.txt")));
            assertEquals("4096 255", run("stat", "-f", "-c", "%S %l", mnt.toString()).strip());
            // counters
            assertTrue(server.stats().count(Opcode.READ) > 0);
            assertTrue(server.verityChecked() >= 2, "big.bin and tampered.bin were checked");
            assertEquals(0, server.stats().passthroughOpens());
            assertTrue(server.statsLine().matches("cfsj fuse-serve stats: requests=\\d+ lookup=\\d+ read=\\d+ readdir=\\d+"
                    + " readlink=\\d+ getattr=\\d+ getxattr=\\d+ listxattr=\\d+ open=\\d+ release=\\d+ passthrough_opens=0 verity_checked=\\d+ eio=\\d+ transport=(dev|io_uring) readahead_files=\\d+"), server.statsLine());
        } finally {
            server.close();
        }
        assertFalse(Mounts.isMountPoint(mnt), "unmounted on close");
        assertEquals(0, server.filesystem().openObjects(), "every object fd closed");
    }

    @Test
    void passthroughReadsNeverReachTheServer() throws Exception {
        try (ComposefsServer server = serve(true)) {
            Assumptions.assumeTrue(server.session().passthroughGranted(), "SKIPPED: the kernel has no FUSE passthrough");
            assertArrayEquals(big, Files.readAllBytes(mnt.resolve("big.bin")));
            assertArrayEquals(big, Files.readAllBytes(mnt.resolve("big-link.bin")));
            assertEquals(0, server.stats().count(Opcode.READ), "external files are read by the kernel");
            assertTrue(server.stats().passthroughOpens() >= 2);
            assertArrayEquals(inline, Files.readAllBytes(mnt.resolve("inline.txt")));
            assertTrue(server.stats().count(Opcode.READ) >= 1, "inline files are served");
            assertThrows(IOException.class, () -> Files.readAllBytes(mnt.resolve("tampered.bin")));
        }
        assertFalse(Mounts.isMountPoint(mnt));
    }

    @Test
    void corruptImagesAreRefusedAtStartAndLaterCorruptionIsEioForThatRequestOnly() throws Exception {
        Path garbage = tmp.resolve("garbage.cfs");
        Files.write(garbage, new byte[8192]);
        IOException e = assertThrows(IOException.class, () -> ComposefsServer.start(garbage, objects, mnt,
                MountOptions.builder().threads(2).passthrough(false).quiet(true).build()));
        assertTrue(e.getMessage().contains("not a valid composefs/EROFS image"), e.getMessage());
        assertFalse(Mounts.isMountPoint(mnt));

        // break one inode (its i_format) in an otherwise valid image
        long offset;
        try (ErofsImage img = ErofsImage.open(image)) {
            var root = img.inode(img.rootNid());
            offset = img.inode(img.lookup(root, Bytes.of("fifo")).orElseThrow().nid()).offset();
        }
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(offset);
            f.write(new byte[] {(byte) 0xFF, (byte) 0xFF});
        }
        try (ComposefsServer server = serve(false)) {
            IOException eio = assertThrows(IOException.class,
                    () -> Files.readAttributes(mnt.resolve("fifo"), "unix:mode", LinkOption.NOFOLLOW_LINKS));
            assertTrue(eio.getMessage().contains("Input/output error"), eio.getMessage());
            assertTrue(server.stats().eio() >= 1);
            assertArrayEquals(inline, Files.readAllBytes(mnt.resolve("inline.txt")), "the server is still up");
            try (Stream<Path> s = Files.list(mnt)) {
                assertTrue(s.anyMatch(p -> p.getFileName().toString().equals("fifo")), "the broken entry is still listed");
            }
        }
    }

    @Test
    void externalUnmountStopsTheServer() throws Exception {
        try (ComposefsServer server = serve(false)) {
            assertTrue(Files.exists(mnt.resolve("big.bin")));
            assertEquals("", run("umount", mnt.toString()).strip());
            assertTrue(server.session().awaitTermination(5, TimeUnit.SECONDS));
        }
    }
}
