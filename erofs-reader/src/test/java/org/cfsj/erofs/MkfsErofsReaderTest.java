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
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Fifo;
import org.cfsj.tree.Node;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Socket;
import org.cfsj.tree.Symlink;
import org.cfsj.tree.Xattr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reads images made by Debian's mkfs.erofs and checks that the tree equals what the kernel
 * reports for the source directory (lstat, readlink, getfattr, file contents).
 */
class MkfsErofsReaderTest {
    @TempDir
    static Path tmp;

    static Path src;

    @BeforeAll
    static void buildSource() throws IOException {
        MkfsErofs.assumeAvailable();
        src = tmp.resolve("src");
        MkfsErofs.buildRichTree(src, 42);
    }

    /** What the image's mtime must be for a source file. */
    private interface MtimeRule {
        long[] expected(FileTime sourceMtime);
    }

    private static final MtimeRule EXACT = t -> new long[] {t.toInstant().getEpochSecond(), t.toInstant().getNano()};

    @ParameterizedTest
    @ValueSource(strings = {"", "-Enoinline_data", "-Eforce-inode-extended", "--chunksize=4096",
        "-Eforce-chunk-indexes --chunksize=8192", "-Enoinline_data -Eforce-inode-extended"})
    void readsMkfsImageLikeTheSourceTree(String options) throws IOException {
        Path image = tmp.resolve("img" + options.hashCode() + ".erofs");
        String[] opts = options.isEmpty() ? new String[0] : options.split(" ");
        MkfsErofs.mkfs(image, src, opts);
        try (ErofsImage img = ErofsImage.open(image)) {
            assertTrue(img.composefsHeader().isEmpty());
            Directory root = ImageTree.read(img);
            compareTree(src, root, EXACT, false);
            // depth-first in dirent order: d/hardlink2 is met before f4095 and hardlink
            Directory d = (Directory) root.get("d");
            assertFalse(d.isHardlink(Bytes.of("hardlink2")));
            assertTrue(root.isHardlink(Bytes.of("f4095")));
            assertTrue(root.isHardlink(Bytes.of("hardlink")));
            checkApi(img);
        }
    }

    @Test
    void fixedTimestampAndAllRoot() throws IOException {
        Path image = MkfsErofs.mkfs(tmp.resolve("t0.erofs"), src, "-T0", "--all-root");
        try (ErofsImage img = ErofsImage.open(image)) {
            assertEquals(0, img.superblock().buildTime());
            compareTree(src, ImageTree.read(img), t -> new long[] {0, 0}, true);
        }
    }

    @Test
    void usrShareDoc() throws IOException {
        Path doc = Path.of("/usr/share/doc");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(doc), "no /usr/share/doc on this machine");
        Path image = MkfsErofs.mkfs(tmp.resolve("doc.erofs"), doc);
        try (ErofsImage img = ErofsImage.open(image)) {
            Directory root = ImageTree.read(img);
            int n = compareTree(doc, root, EXACT, false);
            assertTrue(n > 100, "only " + n + " entries compared");
        }
    }

    @Test
    void compressedImageIsRefusedNamingCompression() throws IOException {
        Path image = tmp.resolve("lz4.erofs");
        try {
            MkfsErofs.mkfs(image, src, "-zlz4");
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "mkfs.erofs cannot write lz4: " + e.getMessage());
        }
        try (ErofsImage img = ErofsImage.open(image)) {
            ErofsFormatException e = assertThrows(ErofsFormatException.class, () -> ImageTree.read(img));
            assertTrue(e.getMessage().contains("compress") && e.getMessage().contains("lz4"), e.getMessage());
        }
    }

    @Test
    void notAnErofsImage() throws IOException {
        Path p = tmp.resolve("garbage");
        Files.write(p, new byte[8192]);
        ErofsFormatException e = assertThrows(ErofsFormatException.class, () -> ErofsImage.open(p).close());
        assertTrue(e.getMessage().contains("not an EROFS image"), e.getMessage());
        Files.write(p, new byte[100]);
        e = assertThrows(ErofsFormatException.class, () -> ErofsImage.open(p).close());
        assertTrue(e.getMessage().contains("too small"), e.getMessage());
    }

    @Test
    void superblockChecksumIsVerified() throws IOException {
        Path image = MkfsErofs.mkfs(tmp.resolve("csum.erofs"), src);
        byte[] bytes = Files.readAllBytes(image);
        try (ErofsImage img = ErofsImage.of(bytes)) {
            assertTrue(img.superblock().hasCompat(ErofsLayout.FEATURE_COMPAT_SB_CHKSUM));
        }
        bytes[ErofsLayout.SUPERBLOCK_OFFSET + Superblock.VOLUME_NAME] ^= 1;
        ErofsFormatException e = assertThrows(ErofsFormatException.class, () -> ErofsImage.of(bytes));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    /** Lookup, readdir, partial reads and readlink against the source. */
    private static void checkApi(ErofsImage img) throws IOException {
        Inode root = img.inode(img.rootNid());
        List<Dirent> entries = img.readdir(root);
        assertEquals(".", entries.get(0).nameString());
        assertEquals(root.nid(), entries.get(0).nid());
        assertEquals("..", entries.get(1).nameString());
        for (Dirent d : entries) {
            Optional<Dirent> found = img.lookup(root, d.name());
            assertTrue(found.isPresent(), d.nameString());
            assertEquals(d, found.get());
        }
        assertTrue(img.lookup(root, Bytes.of("no-such-name")).isEmpty());
        assertTrue(img.lookup(root, Bytes.of("")).isEmpty());
        assertTrue(img.lookup(root, Bytes.of("\u00ff\u00ff")).isEmpty());

        Inode many = img.inode(img.lookup(root, Bytes.of("many")).orElseThrow().nid());
        assertTrue(many.size() > ErofsLayout.BLOCK_SIZE, "directory 'many' should span several blocks");
        List<Dirent> manyEntries = img.readdir(many);
        assertEquals(402, manyEntries.size());
        for (Dirent d : manyEntries) {
            assertEquals(d, img.lookup(many, d.name()).orElseThrow(), d.nameString());
            byte[] missing = Bytes.of(d.nameString() + "-");
            assertTrue(img.lookup(many, missing).isEmpty());
        }
        // readdir from an offset continues where a FUSE reader left off
        List<Dirent> tail = new ArrayList<>();
        img.forEachDirent(many, 300, tail::add);
        assertEquals(manyEntries.subList(300, 402), tail);

        byte[] expected = Files.readAllBytes(src.resolve("f70000"));
        Inode f = img.inode(img.lookup(root, Bytes.of("f70000")).orElseThrow().nid());
        assertEquals(70000, f.size());
        for (long off : new long[] {0, 1, 4095, 4096, 65535, 65536, 69999, 70000, 80000}) {
            ByteBuffer buf = ByteBuffer.allocate(5000);
            int n = img.read(f, off, buf);
            int want = (int) Math.max(0, Math.min(5000, 70000 - off));
            assertEquals(want, n, "read at " + off);
            for (int i = 0; i < n; i++) {
                assertEquals(expected[(int) off + i], buf.get(i), "byte " + (off + i));
            }
        }
        MemorySegment slice = img.dataSlice(f, 10, 100);
        assertNotNull(slice);
        assertTrue(slice.byteSize() > 0 && slice.byteSize() <= 100);
        assertEquals(expected[10], slice.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));

        Inode link = img.inode(img.lookup(root, Bytes.of("longlink")).orElseThrow().nid());
        assertArrayEquals(Bytes.of(Files.readSymbolicLink(src.resolve("longlink")).toString()), img.readlink(link));
        assertThrows(IllegalArgumentException.class, () -> img.readlink(root));
        assertThrows(IllegalArgumentException.class, () -> img.readdir(f));
    }

    /** Compares the image tree with the source directory; returns the number of entries compared. */
    static int compareTree(Path source, Directory root, MtimeRule mtime, boolean allRoot) throws IOException {
        Map<String, Map<String, byte[]>> xattrs = getfattr(source);
        Map<Long, Node> byIno = new HashMap<>();
        Map<Node, Long> inoOf = new IdentityHashMap<>();
        int[] count = {0};
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                check(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                check(file);
                return FileVisitResult.CONTINUE;
            }

            private void check(Path p) throws IOException {
                count[0]++;
                String rel = source.relativize(p).toString();
                Node node = find(root, rel);
                assertNotNull(node, "missing in image: " + rel);
                Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) a.get("mode");
                assertEquals(Integer.toOctalString(mode), Integer.toOctalString(node.mode()), "mode of " + rel);
                assertEquals(allRoot ? 0 : (Integer) a.get("uid"), node.meta().uid(), "uid of " + rel);
                assertEquals(allRoot ? 0 : (Integer) a.get("gid"), node.meta().gid(), "gid of " + rel);
                assertEquals((Integer) a.get("nlink"), node.meta().nlink(), "nlink of " + rel);
                long[] t = mtime.expected((FileTime) a.get("lastModifiedTime"));
                assertEquals(t[0], node.meta().mtimeSec(), "mtime of " + rel);
                assertEquals(t[1], node.meta().mtimeNsec(), "mtime nsec of " + rel);
                long size = (Long) a.get("size");
                switch (node) {
                    case RegularFile f -> {
                        assertEquals(size, f.size(), "size of " + rel);
                        assertNull(f.payload());
                        if (size > 0 && size <= (1 << 20)) {
                            assertTrue(f.hasContent(), "content of " + rel);
                            assertArrayEquals(Files.readAllBytes(p), f.content(), "content of " + rel);
                        }
                    }
                    case Symlink s -> assertEquals(Files.readSymbolicLink(p).toString(), Bytes.str(s.target()), rel);
                    case Device d -> assertEquals((Long) a.get("rdev"), d.rdev(), "rdev of " + rel);
                    case Directory d -> assertEquals(countEntries(p), d.entries().size(), "entries of " + rel);
                    case Fifo f -> {}
                    case Socket s -> {}
                }
                Map<String, byte[]> want = xattrs.getOrDefault(p.toString(), Map.of());
                Map<String, String> wantHex = new TreeMap<>();
                want.forEach((k, v) -> wantHex.put(k, HexFormat.of().formatHex(v)));
                Map<String, String> gotHex = new TreeMap<>();
                for (Xattr x : node.meta().xattrs()) {
                    gotHex.put(x.nameString(), HexFormat.of().formatHex(x.valueView()));
                }
                assertEquals(wantHex, gotHex, "xattrs of " + rel);
                // hardlinks: same source inode <=> same Node object
                long ino = (Long) a.get("ino");
                Node prev = byIno.putIfAbsent(ino, node);
                if (prev != null) {
                    assertSame(prev, node, "hardlink " + rel);
                }
                Long prevIno = inoOf.putIfAbsent(node, ino);
                if (prevIno != null) {
                    assertEquals(prevIno, ino, "distinct files share a node: " + rel);
                }
            }
        });
        return count[0];
    }

    private static int countEntries(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return (int) s.count();
        }
    }

    static Node find(Directory root, String rel) {
        Node n = root;
        if (rel.isEmpty()) {
            return n;
        }
        for (String part : rel.split("/")) {
            if (!(n instanceof Directory d)) {
                return null;
            }
            n = d.get(Bytes.of(new String(part.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1)));
            if (n == null) {
                return null;
            }
        }
        return n;
    }

    /** All xattrs under a directory, by path, as getfattr reports them (not following symlinks). */
    static Map<String, Map<String, byte[]>> getfattr(Path dir) throws IOException {
        String out;
        try {
            out = MkfsErofs.run("getfattr", "-R", "-h", "-d", "-m", "-", "-e", "hex", "--absolute-names", dir.toString());
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "getfattr (Debian attr) is needed: " + e.getMessage());
            throw e;
        }
        Map<String, Map<String, byte[]>> result = new HashMap<>();
        Map<String, byte[]> current = null;
        for (String line : out.split("\n")) {
            if (line.startsWith("# file: ")) {
                current = new TreeMap<>();
                result.put(line.substring(8), current);
            } else if (current != null && !line.isBlank()) {
                int eq = line.indexOf('=');
                String name = eq < 0 ? line : line.substring(0, eq);
                String v = eq < 0 ? "" : line.substring(eq + 1);
                current.put(name, v.startsWith("0x") ? HexFormat.of().parseHex(v.substring(2)) : v.replace("\"", "").getBytes(StandardCharsets.UTF_8));
            }
        }
        return result;
    }

    /**
     * Long xattr name prefixes (erofs-utils >= 1.7; Debian's 1.5 cannot write them): patch a
     * mkfs.erofs image to define prefix 0 = "user." + "long.prefix." at xattr_prefix_start * 4
     * and make an inline xattr use it (name index 0x80).
     */
    @Test
    void longXattrNamePrefixes() throws IOException {
        Path dir = tmp.resolve("prefix-src");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("f"), "x");
        MkfsErofs.setfattr(dir.resolve("f"), "user.abc", new byte[] {7});
        byte[] image = MutationTest.withoutChecksum(Files.readAllBytes(MkfsErofs.mkfs(tmp.resolve("prefix.erofs"), dir)));
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(image).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int sb = ErofsLayout.SUPERBLOCK_OFFSET;
        b.putInt(sb + Superblock.FEATURE_INCOMPAT,
                b.getInt(sb + Superblock.FEATURE_INCOMPAT) | ErofsLayout.FEATURE_INCOMPAT_XATTR_PREFIXES);
        b.put(sb + Superblock.XATTR_PREFIX_COUNT, (byte) 1);
        b.putInt(sb + Superblock.XATTR_PREFIX_START, 512 / 4); // unused space before the superblock
        byte[] infix = Bytes.of("long.prefix.");
        b.putShort(512, (short) (1 + infix.length));
        b.put(514, (byte) ErofsLayout.XATTR_INDEX_USER);
        b.put(515, infix);
        long xattrEntry;
        try (ErofsImage img = ErofsImage.of(image.clone())) {
            Inode f = img.inode(img.lookup(img.inode(img.rootNid()), Bytes.of("f")).orElseThrow().nid());
            assertEquals(0, img.sharedXattrIds(f).length);
            xattrEntry = f.offset() + f.inodeSize() + ErofsLayout.XATTR_IBODY_HEADER_SIZE;
        }
        assertEquals(ErofsLayout.XATTR_INDEX_USER, image[(int) xattrEntry + 1]);
        image[(int) xattrEntry + 1] = (byte) ErofsLayout.XATTR_LONG_PREFIX;
        try (ErofsImage img = ErofsImage.of(image)) {
            Directory root = ImageTree.read(img);
            assertEquals(List.of(Xattr.of("user.long.prefix.abc", new byte[] {7})), root.get("f").meta().xattrs());
        }
        image[(int) xattrEntry + 1] = (byte) (ErofsLayout.XATTR_LONG_PREFIX | 1);
        try (ErofsImage img = ErofsImage.of(image)) {
            ErofsFormatException e = assertThrows(ErofsFormatException.class, () -> ImageTree.read(img));
            assertTrue(e.getMessage().contains("long name prefix 1"), e.getMessage());
        }
    }

    @Test
    void plainSemanticsKeepWhiteoutsButComposefsSemanticsSkipThem() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(MkfsErofs.isRoot(), "mknod needs root");
        Path image = MkfsErofs.mkfs(tmp.resolve("wh.erofs"), src);
        try (ErofsImage img = ErofsImage.open(image)) {
            assertInstanceOf(Device.class, ImageTree.read(img, ImageTree.Options.plain()).get("whiteout"));
            Directory cfs = ImageTree.read(img, new ImageTree.Options(true, 1 << 20, false));
            assertNull(cfs.get("whiteout"));
            assertNotNull(cfs.get("null"));
            assertFalse(((RegularFile) cfs.get("f1")).meta().xattrs().isEmpty());
        }
    }
}
