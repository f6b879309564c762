package org.cfsj.erofs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.cfsj.dump.DumpfileParser;
import org.cfsj.dump.DumpfilePrinter;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Node;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Symlink;
import org.cfsj.tree.Xattr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reads composefs images identical to C mkcomposefs output (see {@link ComposefsSamples}) and
 * checks that the tree prints to the same dumpfile as the conformance dumpfile it was written from.
 */
class ComposefsImageReadTest {
    static Stream<ComposefsSamples.Sample> conformanceSamples() {
        return ComposefsSamples.all().stream().filter(s -> s.dumpName() != null);
    }

    private static Path dumps() {
        return Path.of(System.getProperty("cfsj.testdata.dir", "../testdata"), "conformance", "composefs-dumps");
    }

    @ParameterizedTest
    @MethodSource("conformanceSamples")
    void treeEqualsTheConformanceDumpfile(ComposefsSamples.Sample sample) throws Exception {
        assertEquals(sample.sha256(), sha256(sample.image()), "embedded image is intact");
        Path dump = dumps().resolve(sample.dumpName() + ".dump");
        assertTrue(Files.exists(dump), "conformance data missing at " + dump.toAbsolutePath());
        assertEquals(Files.readString(dumps().resolve(sample.dumpName() + ".dump.sha256")).trim(), sample.sha256(),
                "the embedded image is the one C mkcomposefs writes for " + dump.getFileName());
        Directory expected = DumpfileParser.parse(Files.readAllBytes(dump), DumpfileParser.Mode.STRICT);
        try (ErofsImage img = ErofsImage.of(sample.image())) {
            assertTrue(img.composefsHeader().isPresent());
            if (img.composefsHeader().get().composefsVersion() >= 1) {
                markWhiteoutDirsOpaque(expected);
            }
            Directory actual = ImageTree.read(img);
            assertEquals(DumpfilePrinter.toString(expected), DumpfilePrinter.toString(actual));
        }
    }

    @Test
    void payloadsHardlinksAndRootWhiteouts() throws IOException {
        ComposefsSamples.Sample sample = ComposefsSamples.all().stream()
                .filter(s -> s.name().equals("payloads")).findFirst().orElseThrow();
        try (ErofsImage img = ErofsImage.of(sample.image())) {
            // the raw image has the 256 overlay whiteouts 00..ff at the root
            Inode rootInode = img.inode(img.rootNid());
            List<Dirent> raw = img.readdir(rootInode);
            assertEquals(2 + 256 + 4, raw.size());
            Inode wh = img.inode(img.lookup(rootInode, Bytes.of("a7")).orElseThrow().nid());
            assertTrue(wh.isCharDevice());
            assertEquals(0, wh.rdev());

            Directory root = ImageTree.read(img);
            assertEquals(List.of("big", "sp ace", "sub", "sym"),
                    root.entries().keySet().stream().map(Bytes::str).toList());
            RegularFile big = (RegularFile) root.get("big");
            assertEquals(10000, big.size());
            assertFalse(big.hasContent());
            assertEquals("2e/0b6a266f128f6aff1c672048ae2845c2d116f5453350d122953231d16c4d44", big.payload());
            assertEquals("2e0b6a266f128f6aff1c672048ae2845c2d116f5453350d122953231d16c4d44",
                    HexFormat.of().formatHex(big.digest()));
            Directory sub = (Directory) root.get("sub");
            assertSame(big, sub.get("hl"));
            assertTrue(sub.isHardlink(Bytes.of("hl")));
            assertEquals(2, big.meta().nlink());
            assertArrayEquals(Bytes.of("small\n"), ((RegularFile) root.get("sp ace")).content());
            assertArrayEquals(Bytes.of("big"), ((Symlink) root.get("sym")).target());
            assertNull(root.meta().xattr("trusted.overlay.opaque"));
            assertTrue(root.meta().xattrs().isEmpty());

            // external file data is a hole in the image: reads return zeros
            Inode bigInode = img.inode(img.lookup(rootInode, Bytes.of("big")).orElseThrow().nid());
            assertTrue(bigInode.isChunkBased());
            byte[] buf = new byte[100];
            assertEquals(100, img.read(bigInode, 9900, java.nio.ByteBuffer.wrap(buf)));
            assertArrayEquals(new byte[100], buf);
            assertNull(img.dataSlice(bigInode, 0, 10));
        }
    }

    /**
     * Format version 1 marks each directory holding whiteouts with trusted.overlay.overlay.opaque
     * and user.overlay.opaque ("x"); reading the image back, composefs unescapes the first to
     * trusted.overlay.opaque and keeps the second, so C composefs-info dump shows both.
     */
    private static void markWhiteoutDirsOpaque(Directory dir) {
        boolean hasWhiteout = false;
        for (Node child : dir.entries().values()) {
            if (child instanceof Device d && d.isWhiteout()) {
                hasWhiteout = true;
            } else if (child instanceof Directory sub) {
                markWhiteoutDirsOpaque(sub);
            }
        }
        if (hasWhiteout) {
            List<Xattr> xattrs = new ArrayList<>(dir.meta().xattrs());
            xattrs.add(Xattr.of("trusted.overlay.opaque", Bytes.of("x")));
            xattrs.add(Xattr.of("user.overlay.opaque", Bytes.of("x")));
            dir.setMeta(dir.meta().withXattrs(xattrs));
        }
    }

    static String sha256(byte[] b) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
