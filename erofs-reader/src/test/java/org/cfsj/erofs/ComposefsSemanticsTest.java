package org.cfsj.erofs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Symlink;
import org.cfsj.tree.Xattr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * composefs semantics of {@link ImageTree} (what lcfs_load_node_from_image does), checked on a
 * mkfs.erofs image of a tree carrying the overlay xattrs a composefs writer emits, with a
 * composefs header patched in at offset 0 (mkfs.erofs leaves the first 1024 bytes empty).
 */
class ComposefsSemanticsTest {
    static final byte[] DIGEST = new byte[32];

    static {
        for (int i = 0; i < 32; i++) {
            DIGEST[i] = (byte) (0xA0 + i);
        }
    }

    @TempDir
    static Path tmp;

    static Path src;

    @BeforeAll
    static void build() throws IOException {
        MkfsErofs.assumeAvailable();
        org.junit.jupiter.api.Assumptions.assumeTrue(MkfsErofs.isRoot(), "trusted.* xattrs and mknod need root");
        src = tmp.resolve("src");
        buildOverlayTree(src);
    }

    static void buildOverlayTree(Path root) throws IOException {
        Files.createDirectories(root.resolve("sub"));
        MkfsErofs.setfattr(root, "trusted.overlay.opaque", b("y"));
        for (String wh : new String[] {"00", "01", "7f", "ff"}) {
            MkfsErofs.run("mknod", root.resolve(wh).toString(), "c", "0", "0");
        }
        MkfsErofs.run("mknod", root.resolve("sub/nested-whiteout").toString(), "c", "0", "0");
        MkfsErofs.run("mknod", root.resolve("tty").toString(), "c", "5", "0");
        // an external file: sparse, with redirect and metacopy
        try (RandomAccessFile f = new RandomAccessFile(root.resolve("ext").toFile(), "rw")) {
            f.setLength(100_000);
        }
        MkfsErofs.setfattr(root.resolve("ext"), "trusted.overlay.redirect", b("/ab/cdef0123"));
        byte[] metacopy = new byte[36];
        metacopy[1] = 36;
        metacopy[3] = 1;
        System.arraycopy(DIGEST, 0, metacopy, 4, 32);
        MkfsErofs.setfattr(root.resolve("ext"), "trusted.overlay.metacopy", metacopy);
        MkfsErofs.setfattr(root.resolve("ext"), "user.keep", b("kept"));
        Files.createLink(root.resolve("sub/ext-link"), root.resolve("ext"));
        // an inline file with escaped and unescaped overlay xattrs
        Files.writeString(root.resolve("inl"), "inline content\n");
        MkfsErofs.setfattr(root.resolve("inl"), "trusted.overlay.overlay.opaque", b("x"));
        MkfsErofs.setfattr(root.resolve("inl"), "trusted.overlay.overlay.custom", b("c"));
        MkfsErofs.setfattr(root.resolve("inl"), "user.overlay.opaque", b("y"));
        MkfsErofs.setfattr(root.resolve("inl"), "user.overlay.whiteout", b(""));
        MkfsErofs.setfattr(root.resolve("inl"), "user.overlay.whiteouts", b(""));
        MkfsErofs.setfattr(root.resolve("inl"), "trusted.overlay.overlay.whiteouts", b(""));
        MkfsErofs.setfattr(root.resolve("inl"), "trusted.overlay.foo", b("dropped"));
        MkfsErofs.setfattr(root.resolve("inl"), "trusted.overlay.metacopy", b("short"));
        // a regular file standing for an escaped whiteout
        Files.createFile(root.resolve("escaped-whiteout"));
        MkfsErofs.setfattr(root.resolve("escaped-whiteout"), "trusted.overlay.overlay.whiteout", b(""));
        MkfsErofs.setfattr(root.resolve("sub"), "trusted.overlay.overlay.whiteout", b("d"));
        MkfsErofs.setfattr(root.resolve("sub"), "trusted.overlay.redirect", b("/somewhere"));
        Files.createSymbolicLink(root.resolve("sym"), Path.of("inl"));
        MkfsErofs.setfattr(root.resolve("sym"), "trusted.overlay.redirect", b("/not-a-payload"));
        Files.writeString(root.resolve("slash"), "");
        MkfsErofs.setfattr(root.resolve("slash"), "trusted.overlay.redirect", b("/"));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] withComposefsHeader(byte[] image) {
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, ErofsLayout.COMPOSEFS_MAGIC);
        b.putInt(4, ErofsLayout.COMPOSEFS_VERSION);
        b.putInt(8, 0);
        b.putInt(12, 1);
        return image;
    }

    private static ErofsImage image(String name, String... options) throws IOException {
        Path p = MkfsErofs.mkfs(tmp.resolve(name), src, options);
        return ErofsImage.of(withComposefsHeader(Files.readAllBytes(p)));
    }

    @Test
    void appliesComposefsRules() throws IOException {
        try (ErofsImage img = image("cfs.erofs", "--chunksize=4096")) {
            ComposefsHeader h = img.composefsHeader().orElseThrow();
            assertEquals(1, h.version());
            assertEquals(1, h.composefsVersion());
            Directory root = ImageTree.read(img);

            // root whiteouts (and any char device 0:0) are not part of the tree
            for (String wh : new String[] {"00", "01", "7f", "ff"}) {
                assertNull(root.get(wh), wh);
            }
            assertNull(((Directory) root.get("sub")).get("nested-whiteout"));
            assertEquals(5 << 8, ((Device) root.get("tty")).rdev());
            assertTrue(root.meta().xattrs().isEmpty(), "root trusted.overlay.opaque is dropped: " + root.meta().xattrs());

            RegularFile ext = (RegularFile) root.get("ext");
            assertEquals(100_000, ext.size());
            assertFalse(ext.hasContent());
            assertEquals("ab/cdef0123", ext.payload());
            assertArrayEquals(DIGEST, ext.digest());
            assertEquals(List.of(Xattr.of("user.keep", b("kept"))), ext.meta().xattrs());
            assertSame(ext, ((Directory) root.get("sub")).get("ext-link"), "hardlink is the same node");
            assertFalse(root.isHardlink(org.cfsj.tree.Bytes.of("ext")));
            assertTrue(((Directory) root.get("sub")).isHardlink(org.cfsj.tree.Bytes.of("ext-link")));
            assertEquals(2, ext.meta().nlink());

            // mkfs --chunksize makes every file chunk-based: for composefs that means external
            RegularFile inl = (RegularFile) root.get("inl");
            assertFalse(inl.hasContent());
            assertEquals(15, inl.size());
            assertNull(inl.payload());
            assertNull(inl.digest());
            assertEquals(List.of(
                    Xattr.of("trusted.overlay.custom", b("c")),
                    Xattr.of("trusted.overlay.opaque", b("x")),
                    Xattr.of("user.overlay.opaque", b("y"))), inl.meta().xattrs());

            Device wh = (Device) root.get("escaped-whiteout");
            assertTrue(wh.isWhiteout());
            assertTrue(wh.meta().xattrs().isEmpty());

            Directory sub = (Directory) root.get("sub");
            assertEquals(List.of(Xattr.of("trusted.overlay.whiteout", b("d"))), sub.meta().xattrs());
            assertTrue(sub.size() > 0);

            Symlink sym = (Symlink) root.get("sym");
            assertArrayEquals(b("inl"), sym.target());
            assertTrue(sym.meta().xattrs().isEmpty());

            assertEquals("/", ((RegularFile) root.get("slash")).payload(), "a lone '/' is kept, as composefs does");
        }
    }

    @Test
    void flatFilesAreInline() throws IOException {
        try (ErofsImage img = image("flat.erofs")) {
            Directory root = ImageTree.read(img, new ImageTree.Options(true, 1 << 20, false));
            RegularFile inl = (RegularFile) root.get("inl");
            assertArrayEquals(b("inline content\n"), inl.content());
            assertEquals("ab/cdef0123", ((RegularFile) root.get("ext")).payload());
        }
    }

    @Test
    void inlineContentOverComposefsLimitIsRejected() throws IOException {
        Path bigSrc = tmp.resolve("big");
        Files.createDirectories(bigSrc);
        Files.write(bigSrc.resolve("big"), new byte[5001]);
        byte[] bytes = withComposefsHeader(Files.readAllBytes(MkfsErofs.mkfs(tmp.resolve("big.erofs"), bigSrc)));
        try (ErofsImage img = ErofsImage.of(bytes)) {
            ErofsFormatException e = assertThrows(ErofsFormatException.class, () -> ImageTree.read(img));
            assertTrue(e.getMessage().contains("5001") && e.getMessage().contains("5000"), e.getMessage());
            RegularFile f = (RegularFile) ImageTree.read(img, ImageTree.Options.plain()).get("big");
            assertArrayEquals(new byte[5001], f.content());
        }
    }

    @Test
    void unsupportedComposefsHeaderVersionIsRejected() throws IOException {
        try (ErofsImage img = image("v2.erofs", "--chunksize=4096")) {
            assertNotNull(ImageTree.read(img));
        }
        byte[] bytes = withComposefsHeader(Files.readAllBytes(tmp.resolve("v2.erofs")));
        bytes[4] = 2;
        try (ErofsImage img = ErofsImage.of(bytes)) {
            ErofsFormatException e = assertThrows(ErofsFormatException.class, () -> ImageTree.read(img));
            assertTrue(e.getMessage().contains("version 2"), e.getMessage());
        }
    }

    @Test
    void plainImagesKeepOverlayXattrs() throws IOException {
        byte[] plain = Files.readAllBytes(MkfsErofs.mkfs(tmp.resolve("plain.erofs"), src));
        try (ErofsImage img = ErofsImage.of(plain)) {
            assertTrue(img.composefsHeader().isEmpty());
            Directory root = ImageTree.read(img);
            assertInstanceOf(Device.class, root.get("00"));
            assertNotNull(((RegularFile) root.get("ext")).meta().xattr("trusted.overlay.redirect"));
        }
    }
}
