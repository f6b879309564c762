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
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.cfsj.dump.DumpfilePrinter;
import org.cfsj.dump.DumpfileParser;
import org.cfsj.erofs.write.ComposefsImageWriter;
import org.cfsj.erofs.write.ConformanceDumps;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Metadata;
import org.cfsj.tree.Node;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Symlink;
import org.cfsj.tree.Xattr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Write → read round trips: the image cfsj writes for each conformance dumpfile (byte-identical
 * to C mkcomposefs's) reads back as a tree that prints to the same dumpfile (strictly parsed
 * dumps) and writes the same image again (all dumps), and a hand-built
 * tree ({@link ComposefsTestImages#payloadsTree()}) reads back with its payloads, digests,
 * hardlinks and the root's overlay whiteouts where composefs puts them.
 */
class ComposefsImageReadTest {
    static List<ComposefsTestImages.Sample> conformanceSamples() {
        return ComposefsTestImages.conformance();
    }

    @ParameterizedTest
    @MethodSource("conformanceSamples")
    void treeEqualsTheConformanceDumpfile(ComposefsTestImages.Sample sample) throws Exception {
        Path dump = sample.dump();
        assertTrue(Files.exists(dump), "conformance data missing at " + dump.toAbsolutePath());
        assertEquals(ConformanceDumps.expectedSha256(dump), ConformanceDumps.sha256(sample.image()),
                "the image read is the one C mkcomposefs writes for " + dump.getFileName());
        Directory expected = ConformanceDumps.parse(dump);
        try (ErofsImage img = ErofsImage.of(sample.image())) {
            assertTrue(img.composefsHeader().isPresent());
            if (img.composefsHeader().get().composefsVersion() >= 1) {
                markWhiteoutDirsOpaque(expected);
            }
            Directory actual = ImageTree.read(img);
            if (ConformanceDumps.mode(dump) == DumpfileParser.Mode.STRICT) {
                assertEquals(DumpfilePrinter.toString(expected), DumpfilePrinter.toString(actual));
            }
            // Lenient dumps are not in composefs's canonical form (C composefs, too, recomputes a
            // directory's link count and keeps only a mode's file type): for every dump, what is
            // read back must write the same image again.
            byte[] again = ComposefsImageWriter.toBytes(actual,
                    ComposefsImageWriter.Options.exactly(img.composefsHeader().get().composefsVersion()));
            assertEquals(ConformanceDumps.sha256(sample.image()), ConformanceDumps.sha256(again),
                    "the tree read back from the image of " + dump.getFileName() + " writes the same image");
        }
    }

    @Test
    void payloadsHardlinksAndRootWhiteouts() throws IOException {
        try (ErofsImage img = ErofsImage.of(ComposefsTestImages.payloadsImage())) {
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
            assertEquals(ComposefsTestImages.BIG_PAYLOAD, big.payload());
            assertEquals(ComposefsTestImages.BIG_DIGEST, HexFormat.of().formatHex(big.digest()));
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

    @Test
    void directoriesOverSeveralBlocksReadBack() throws IOException {
        Metadata meta = new Metadata(0644, 0, 0, 1_700_000_000L, 0, 1, List.of());
        Directory root = new Directory(meta.withNlink(2));
        // 2 + 400 entries of 12 + 40 bytes: several full blocks and a tail; every name is looked up
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            String name = String.format("%040d", i);
            names.add(name);
            root.add(Bytes.of(name), RegularFile.inline(meta, Bytes.of(name)));
        }
        try (ErofsImage img = ErofsImage.of(ComposefsImageWriter.toBytes(root, ComposefsImageWriter.Options.DEFAULT))) {
            Inode rootInode = img.inode(img.rootNid());
            assertTrue(rootInode.size() > 4 * ErofsLayout.BLOCK_SIZE, "the root directory spans several blocks");
            Directory back = ImageTree.read(img);
            assertEquals(names, back.entries().keySet().stream().map(Bytes::str).toList());
            for (String name : names) {
                Dirent d = img.lookup(rootInode, Bytes.of(name)).orElseThrow();
                assertArrayEquals(Bytes.of(name), ((RegularFile) back.get(name)).content());
                assertEquals(ErofsLayout.FT_REG_FILE, d.fileType());
            }
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
}
