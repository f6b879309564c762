package org.cfsj.oci.layer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.cfsj.oci.TestTar;
import org.cfsj.repo.Repository;
import org.cfsj.repo.splitstream.Chunk;
import org.cfsj.repo.splitstream.SplitStreamReader;
import org.cfsj.testsupport.Command;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Fifo;
import org.cfsj.tree.Node;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Symlink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerImportTest {
    @TempDir
    Path tmp;

    private static final String LONG = "d".repeat(120) + "/" + "n".repeat(150) + ".txt";

    private byte[] richTar(int longFileMode) {
        return new TestTar(longFileMode)
                .dir("./", 0755)
                .dir("./usr", 0755)
                .dir("./usr/bin", 0755)
                .file("./usr/bin/tool", 04755, TestTar.data(100_000, 1))
                .file("./usr/bin/small", 0644, "tiny\n".getBytes(StandardCharsets.US_ASCII))
                .hardlink("./usr/bin/tool2", "./usr/bin/tool")
                .symlink("./usr/bin/sh", "/bin/busybox")
                .charDevice("./dev-null", 1, 3)
                .fifo("./fifo")
                .file(LONG, 0600, TestTar.data(5000, 2), Map.of("user.comment", "hello", "security.capability", "x"))
                .file("./empty", 0644, new byte[0])
                .dir("./sticky", 01777)
                .finish();
    }

    @Test
    void importThenExportIsBitExactWithPaxAndGnuLongNames() throws IOException {
        for (int mode : new int[] {TarArchiveOutputStream.LONGFILE_POSIX, TarArchiveOutputStream.LONGFILE_GNU}) {
            Repository repo = Repository.init(tmp.resolve("r" + mode));
            byte[] tar = richTar(mode);
            String diffId = TestTar.diffId(tar);
            LayerImport imp = LayerImporter.importLayer(repo, new ByteArrayInputStream(tar), diffId);
            assertFalse(imp.alreadyPresent());
            assertEquals(tar.length, imp.tarSize());
            assertEquals(2, imp.objects(), "two files above the inline limit (the hardlink shares)");
            assertTrue(repo.streams().has("oci-layer-" + diffId));
            assertExportEquals(repo, diffId, tar);
            checkRichTree(LayerTrees.read(repo, diffId).root());
        }
    }

    private static void checkRichTree(Directory root) {
        Directory bin = (Directory) ((Directory) root.get("usr")).get("bin");
        RegularFile tool = assertInstanceOf(RegularFile.class, bin.get("tool"));
        assertEquals(04755, tool.meta().permissions());
        assertEquals(100_000, tool.size());
        assertFalse(tool.hasContent());
        assertEquals(org.cfsj.verity.FsVerity.objectPath(tool.digest()), tool.payload());
        assertSame(tool, bin.get("tool2"), "hardlink shares the node");
        assertTrue(bin.isHardlink(org.cfsj.tree.Bytes.of("tool2")));
        assertEquals(2, tool.meta().nlink());
        assertArrayEquals("tiny\n".getBytes(StandardCharsets.US_ASCII), ((RegularFile) bin.get("small")).content());
        assertArrayEquals("/bin/busybox".getBytes(StandardCharsets.US_ASCII), ((Symlink) bin.get("sh")).target());
        Device dev = assertInstanceOf(Device.class, root.get("dev-null"));
        assertEquals(0x103, dev.rdev());
        assertInstanceOf(Fifo.class, root.get("fifo"));
        assertEquals(01777, root.get("sticky").meta().permissions());
        assertEquals(1_700_000_000L, root.get("sticky").meta().mtimeSec());
        Node deep = ((Directory) root.get("d".repeat(120))).get("n".repeat(150) + ".txt");
        assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), deep.meta().xattr("user.comment"));
        assertArrayEquals("x".getBytes(StandardCharsets.US_ASCII), deep.meta().xattr("security.capability"));
        assertEquals(0, ((RegularFile) root.get("empty")).size());
    }

    @Test
    void secondImportIsANoOpAndObjectsAreShared() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        byte[] tar = richTar(TarArchiveOutputStream.LONGFILE_POSIX);
        String diffId = TestTar.diffId(tar);
        LayerImporter.importLayer(repo, new ByteArrayInputStream(tar), diffId);
        LayerImport again = LayerImporter.importLayer(repo, new ByteArrayInputStream(new byte[0]), diffId);
        assertTrue(again.alreadyPresent());
        // A different layer with the same big file: the object is deduplicated.
        byte[] other = new TestTar().file("copy", 0644, TestTar.data(100_000, 1)).finish();
        LayerImport imp = LayerImporter.importLayer(repo, new ByteArrayInputStream(other), TestTar.diffId(other));
        assertEquals(1, imp.objects());
        assertEquals(0, imp.newObjects());
    }

    @Test
    void trailingBytesAfterTheEndBlocksAreKept() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        byte[] base = new TestTar().file("a", "x").finish();
        byte[] tar = Arrays.copyOf(base, base.length + 3000);
        Arrays.fill(tar, base.length + 1000, tar.length, (byte) 0x5a);
        String diffId = TestTar.diffId(tar);
        LayerImporter.importLayer(repo, new ByteArrayInputStream(tar), diffId);
        assertExportEquals(repo, diffId, tar);
    }

    @Test
    void gnuTarCliArchivesRoundTrip() throws Exception {
        assumeTrue(Command.onPath("tar"), "GNU tar is not installed");
        assumeTrue(Command.onPath("setfattr"), "setfattr (attr) is not installed");
        Path src = Files.createDirectories(tmp.resolve("src"));
        Path deep = Files.createDirectories(src.resolve("a".repeat(90)).resolve("b".repeat(90)));
        Files.write(deep.resolve("c".repeat(80)), TestTar.data(70_000, 3));
        Files.writeString(src.resolve("small"), "hi");
        Path suid = Files.write(src.resolve("suid"), TestTar.data(1000, 4));
        run("chmod", "4755", suid.toString());
        Files.createLink(src.resolve("link"), suid);
        run("setfattr", "-n", "user.test", "-v", "value", src.resolve("small").toString());
        run("mkfifo", src.resolve("pipe").toString());
        boolean root = Command.onPath("mknod") && run("mknod", src.resolve("null").toString(), "c", "1", "3") == 0;
        for (String format : List.of("pax", "gnu")) {
            Path tarFile = tmp.resolve("t-" + format + ".tar");
            List<String> cmd = new java.util.ArrayList<>(List.of("tar", "--format=" + format, "--numeric-owner", "-C",
                    src.toString(), "-cf", tarFile.toString()));
            if (format.equals("pax")) {
                cmd.add(1, "--xattrs");
            }
            cmd.add(".");
            assertEquals(0, run(cmd.toArray(String[]::new)));
            byte[] tar = Files.readAllBytes(tarFile);
            Repository repo = Repository.init(tmp.resolve("repo-" + format));
            String diffId = TestTar.diffId(tar);
            LayerImporter.importLayer(repo, new ByteArrayInputStream(tar), diffId);
            assertExportEquals(repo, diffId, tar);
            Directory tree = LayerTrees.read(repo, diffId).root();
            RegularFile s = (RegularFile) tree.get("suid");
            assertEquals(04755, s.meta().permissions());
            assertSame(s, tree.get("link"));
            assertEquals(2, s.meta().nlink());
            assertInstanceOf(Fifo.class, tree.get("pipe"));
            if (root) {
                assertEquals(0x103, ((Device) tree.get("null")).rdev());
            }
            RegularFile big = (RegularFile) ((Directory) ((Directory) tree.get("a".repeat(90))).get("b".repeat(90)))
                    .get("c".repeat(80));
            assertEquals(70_000, big.size());
            if (format.equals("pax")) {
                assertArrayEquals("value".getBytes(StandardCharsets.US_ASCII), tree.get("small").meta().xattr("user.test"));
            }
        }
    }

    @Test
    void compressedBlobsAreDetectedByMagic() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        byte[] tar = richTar(TarArchiveOutputStream.LONGFILE_POSIX);
        String diffId = TestTar.diffId(tar);
        // gzip with two members (as pigz or concatenation make): both must be read.
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        int half = tar.length / 2;
        try (var g = new java.util.zip.GZIPOutputStream(gz)) {
            g.write(tar, 0, half);
        }
        ByteArrayOutputStream gz2 = new ByteArrayOutputStream();
        try (var g = new java.util.zip.GZIPOutputStream(gz2)) {
            g.write(tar, half, tar.length - half);
        }
        gz.write(gz2.toByteArray());
        LayerImporter.importBlob(repo, new ByteArrayInputStream(gz.toByteArray()), diffId);
        assertExportEquals(repo, diffId, tar);

        Repository repo2 = Repository.init(tmp.resolve("r2"));
        byte[] zst = com.github.luben.zstd.Zstd.compress(tar, 3);
        LayerImporter.importBlob(repo2, new ByteArrayInputStream(zst), diffId);
        assertExportEquals(repo2, diffId, tar);
        assertEquals(Compression.ZSTD, Compression.detect(zst, 4));
        assertEquals(Compression.NONE, Compression.detect(tar, 4));
    }

    @Test
    void badTarsFailWithClearErrorsAndLinkNothing() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        byte[] good = new TestTar().file("big", 0644, TestTar.data(10_000, 5)).finish();
        expectBad(repo, Arrays.copyOf(good, 5000), "truncated");
        expectBad(repo, Arrays.copyOf(good, 512 * 21), "end-of-archive");
        expectBad(repo, new TestTar().file("../evil", "x").finish(), "escapes the root");
        expectBad(repo, new TestTar().dir("a", 0755).file("a/../../evil", "x").finish(), "escapes the root");
        expectBad(repo, new TestTar().hardlink("l", "missing").finish(), "hardlink");
        expectBad(repo, new TestTar().symlink("etc", "/etc").file("etc/passwd", "x").finish(), "symlink");
        byte[] garbage = new byte[2048];
        Arrays.fill(garbage, (byte) 'x');
        expectBad(repo, garbage, "checksum");
        // Wrong diff_id: the content is fine, the digest is not.
        String wrong = "sha256:" + "0".repeat(64);
        var e = assertThrows(BadLayerException.class,
                () -> LayerImporter.importLayer(repo, new ByteArrayInputStream(good), wrong));
        assertTrue(e.getMessage().contains("diff_id"), e.getMessage());
        assertFalse(repo.streams().has("oci-layer-" + wrong));
        assertEquals(List.of(), repo.streams().list());
        // Objects of failed imports are never named (the batch deletes its files).
        assertEquals(List.of(), repo.objects().list());
        org.cfsj.repo.RepositoryTest.assertNoTempFiles(repo);
    }

    private static void expectBad(Repository repo, byte[] tar, String messagePart) {
        String diffId = TestTar.diffId(tar);
        var e = assertThrows(BadLayerException.class,
                () -> LayerImporter.importLayer(repo, new ByteArrayInputStream(tar), diffId));
        assertTrue(e.getMessage().contains(messagePart), "message '" + e.getMessage() + "' lacks '" + messagePart + "'");
        assertFalse(repo.streams().has("oci-layer-" + diffId));
    }

    @Test
    void layerStreamKeepsFileContentAsObjects() throws IOException {
        Repository repo = Repository.init(tmp.resolve("r"));
        byte[] tar = new TestTar().file("big", 0644, TestTar.data(4096 * 3, 7)).file("s", "small").finish();
        String diffId = TestTar.diffId(tar);
        LayerImporter.importLayer(repo, new ByteArrayInputStream(tar), diffId);
        var r = SplitStreamReader.open(repo.objects(), repo.streams().require("oci-layer-" + diffId));
        assertEquals(1, r.objectRefs().size());
        assertArrayEquals(TestTar.data(4096 * 3, 7), repo.objects().read(r.objectRefs().getFirst()));
        int external = 0;
        try (var it = r.chunks()) {
            for (Chunk c = it.next(); c != null; c = it.next()) {
                if (c instanceof Chunk.External) {
                    external++;
                }
            }
        }
        assertEquals(1, external);
        assertEquals(tar.length, r.streamSize());
    }

    static void assertExportEquals(Repository repo, String diffId, byte[] tar) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LayerExporter.exportLayer(repo, diffId, out);
        assertNotNull(out);
        assertEquals(diffId, TestTar.diffId(out.toByteArray()));
        assertArrayEquals(tar, out.toByteArray());
    }

    /** A tool's exit code (its output is not needed). */
    static int run(String... cmd) throws IOException {
        try {
            return Command.of(cmd).mergeStderr().timeoutSeconds(60).run().exit();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
