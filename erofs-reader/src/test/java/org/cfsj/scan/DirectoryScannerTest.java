package org.cfsj.scan;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cfsj.tree.Bytes;
import org.cfsj.tree.Device;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Fifo;
import org.cfsj.tree.Node;
import org.cfsj.tree.RegularFile;
import org.cfsj.tree.Socket;
import org.cfsj.tree.Symlink;
import org.cfsj.tree.Xattr;
import org.cfsj.verity.FsVerity;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scans a generated tree and checks every entry against what independent tools report:
 * {@code find -printf} (type, mode, owner, nlink, size, mtime, inode, symlink target — all as raw
 * bytes), {@code getfattr} (xattrs), {@code stat} (device numbers), {@code fsverity digest}.
 */
class DirectoryScannerTest {
    private static Path work;
    private static Path root;
    private static Directory tree;
    /** Every entry of the scanned tree by its path relative to the root (ISO-8859-1; "" = root). */
    private static Map<String, Node> scanned;

    @BeforeAll
    static void buildAndScan() throws Exception {
        assumeTrue(Tools.isRoot(), "needs root: the fixture makes device nodes, chowns and sets trusted.* xattrs");
        assumeTrue(Tools.available("setfattr") && Tools.available("getfattr"), "needs setfattr/getfattr (Debian package attr)");
        work = Files.createTempDirectory("cfsj-scan-");
        root = work.resolve("tree");
        Files.createDirectory(root);
        TreeFixture.build(root);
        tree = DirectoryScanner.scan(root, ScanOptions.defaults().withThreads(3));
        scanned = flatten(tree);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (work != null) {
            Tools.run(null, "rm", "-rf", work.toString()); // rm copes with paths beyond PATH_MAX
        }
    }

    static Map<String, Node> flatten(Directory dir) {
        Map<String, Node> out = new LinkedHashMap<>();
        out.put("", dir);
        flatten(dir, "", out);
        return out;
    }

    private static void flatten(Directory dir, String prefix, Map<String, Node> out) {
        dir.entries().forEach((name, node) -> {
            String path = prefix.isEmpty() ? Bytes.str(name) : prefix + "/" + Bytes.str(name);
            out.put(path, node);
            if (node instanceof Directory d) {
                flatten(d, path, out);
            }
        });
    }

    /** One line of {@code find -printf}: the stat fields the scanner must reproduce. */
    record Found(String path, char type, int perms, int uid, int gid, int nlink, long size, long mtimeSec, int mtimeNsec,
            String inode, String target) {}

    static List<Found> find(Path dir) throws Exception {
        byte[] out = Tools.run(dir, "find", ".", "-printf", "%P\\0%y %m %U %G %n %s %T@ %i:%D\\0%l\\0");
        List<byte[]> fields = Tools.split(out, (byte) 0);
        List<Found> found = new ArrayList<>();
        for (int i = 0; i + 2 < fields.size() + 1; i += 3) {
            String path = Bytes.str(fields.get(i));
            String[] f = Bytes.str(fields.get(i + 1)).split(" ");
            String target = i + 2 < fields.size() ? Bytes.str(fields.get(i + 2)) : "";
            String[] t = f[6].split("\\.");
            found.add(new Found(path, f[0].charAt(0), Integer.parseInt(f[1], 8), Integer.parseInt(f[2]),
                    Integer.parseInt(f[3]), Integer.parseInt(f[4]), Long.parseLong(f[5]), Long.parseLong(t[0]),
                    Integer.parseInt(t[1].substring(0, 9)), f[7], target));
        }
        return found;
    }

    @Test
    void everyEntryMatchesFind() throws Exception {
        List<Found> found = find(root);
        assertEquals(found.size(), scanned.size(), "entry count vs find");
        for (Found f : found) {
            Node n = scanned.get(f.path());
            assertNotNull(n, () -> "find lists " + f.path() + " but the scan has no such entry");
            String at = "at " + f.path();
            char type = switch (n) {
                case Directory d -> 'd';
                case RegularFile r -> 'f';
                case Symlink s -> 'l';
                case Device d -> d.isBlock() ? 'b' : 'c';
                case Fifo p -> 'p';
                case Socket s -> 's';
            };
            assertEquals(f.type(), type, at);
            assertEquals(f.perms(), n.meta().permissions(), at);
            assertEquals(f.uid(), n.meta().uid(), at);
            assertEquals(f.gid(), n.meta().gid(), at);
            assertEquals(f.nlink(), n.meta().nlink(), at);
            assertEquals(f.mtimeSec(), n.meta().mtimeSec(), at);
            assertEquals(f.mtimeNsec(), n.meta().mtimeNsec(), at);
            switch (n) {
                case Directory d -> assertEquals(f.size(), d.size(), at);
                case RegularFile r -> assertEquals(f.size(), r.size(), at);
                case Symlink s -> {
                    assertEquals(f.size(), s.length(), at);
                    assertEquals(f.target(), Bytes.str(s.target()), at);
                }
                default -> assertEquals(0, f.size(), at);
            }
        }
    }

    @Test
    void oddNamesArePreservedByteForByte() {
        Directory odd = (Directory) scanned.get("odd");
        for (int b = 1; b < 256; b++) {
            if (b == '/') {
                continue;
            }
            byte[] name = {(byte) b, 'x'};
            assertTrue(odd.get(name) instanceof RegularFile, "odd/\\x" + Integer.toHexString(b) + "x");
        }
        assertTrue(odd.get("n".repeat(255)) instanceof RegularFile, "255-byte name");
        Directory oddDir = (Directory) odd.get(new byte[] {'d', 'i', 'r', (byte) 0xe9, '\n', (byte) 0x80});
        assertNotNull(oddDir);
        RegularFile big = (RegularFile) oddDir.get("big");
        assertEquals(10000, big.size());
        assertNotNull(big.digest(), "large file in a directory with a non-UTF-8 name gets a digest");
        assertArrayEquals(new byte[] {(byte) 0x80, (byte) 0xff, (byte) 0xfe, '/', 't', 1},
                ((Symlink) scanned.get("files/link-odd")).target());
    }

    @Test
    void deepTreeBeyondPathMax() {
        StringBuilder p = new StringBuilder("deep");
        for (int i = 1; i <= TreeFixture.DEEP_LEVELS; i++) {
            p.append('/').append(String.format("d%03d%0198d", i, 0));
        }
        assertTrue(p.length() > 4096);
        RegularFile bottom = (RegularFile) scanned.get(p + "/bottom");
        assertNotNull(bottom, "file at the bottom of the deep chain");
        assertEquals(100000, bottom.size());
        assertNotNull(bottom.digest());
    }

    @Test
    void regularFileContentRules() throws IOException {
        RegularFile empty = (RegularFile) scanned.get("files/size0");
        assertFalse(empty.hasContent());
        assertNull(empty.payload());
        assertNull(empty.digest());
        for (String name : List.of("size1", "size64", "small")) {
            RegularFile r = (RegularFile) scanned.get("files/" + name);
            assertArrayEquals(Files.readAllBytes(root.resolve("files").resolve(name)), r.content(), name);
            assertNull(r.payload(), name);
            assertNull(r.digest(), name);
        }
        for (String name : List.of("size65", "size4096", "size1048576")) {
            RegularFile r = (RegularFile) scanned.get("files/" + name);
            assertFalse(r.hasContent(), name);
            assertEquals(FsVerity.objectPath(r.digest()), r.payload(), name);
        }
    }

    @Test
    void digestsMatchFsverityTool() throws Exception {
        assumeTrue(Tools.available("fsverity"), "needs the fsverity tool (Debian package fsverity)");
        // Every file above the inline limit outside the deep chain, by the paths find prints
        // (fsverity echoes them back as raw bytes, newlines and all).
        byte[] out = Tools.bash(root, "find . -path ./deep -prune -o -type f -size +64c -exec fsverity digest {} +");
        Map<String, String> expected = new TreeMap<>();
        Matcher m = Pattern.compile("sha256:([0-9a-f]{64}) \\./(.*?)\n(?=sha256:|$)", Pattern.DOTALL)
                .matcher(new String(out, ISO_8859_1));
        while (m.find()) {
            expected.put(m.group(2), m.group(1));
        }
        byte[] deep = Tools.bash(root, "find deep -name bottom -execdir fsverity digest {} +");
        String deepHex = new String(deep, ISO_8859_1).substring("sha256:".length(), "sha256:".length() + 64);

        Map<String, String> actual = new TreeMap<>();
        String deepDigest = null;
        for (var e : scanned.entrySet()) {
            if (e.getValue() instanceof RegularFile r && r.digest() != null) {
                if (e.getKey().startsWith("deep/")) {
                    deepDigest = FsVerity.toHex(r.digest());
                } else {
                    actual.put(e.getKey(), FsVerity.toHex(r.digest()));
                }
            }
        }
        assertEquals(6, expected.size(), "fixture has 6 external files outside deep/: " + expected.keySet());
        assertEquals(expected, actual);
        assertEquals(deepHex, deepDigest);
    }

    @Test
    void hardlinksShareOneNode() throws Exception {
        Map<String, List<String>> byInode = new HashMap<>();
        for (Found f : find(root)) {
            if (f.type() != 'd') {
                byInode.computeIfAbsent(f.inode(), k -> new ArrayList<>()).add(f.path());
            }
        }
        Set<Node> distinct = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        int groups = 0;
        for (List<String> paths : byInode.values()) {
            Node first = scanned.get(paths.get(0));
            for (String p : paths) {
                assertSame(first, scanned.get(p), p + " and " + paths.get(0) + " are one inode");
            }
            assertTrue(distinct.add(first), "different inodes must be different nodes: " + paths);
            groups += paths.size() > 1 ? 1 : 0;
        }
        assertEquals(4, groups, "fixture hardlink groups: size4096, size1, size0, link-a");
        assertEquals(3, scanned.get("files/size1").meta().nlink());
        assertNotSame(scanned.get("files/size4096"), scanned.get("files/copy4096"));
        assertEquals(((RegularFile) scanned.get("files/size4096")).payload(),
                ((RegularFile) scanned.get("files/copy4096")).payload(), "same content, same object");
    }

    @Test
    void devicesMatchStat() throws Exception {
        for (String name : List.of("null", "loop", "whiteout", "bigdev")) {
            String[] st = new String(Tools.run(root.resolve("specials"), "stat", "-c", "%F %t %T", name), ISO_8859_1)
                    .trim().split(" ");
            int major = Integer.parseInt(st[st.length - 2], 16);
            int minor = Integer.parseInt(st[st.length - 1], 16);
            Device d = (Device) scanned.get("specials/" + name);
            assertEquals(st[0].equals("block"), d.isBlock(), name);
            assertEquals(org.cfsj.sys.Stat.makedev(major, minor), d.rdev(), name);
        }
        assertTrue(((Device) scanned.get("specials/whiteout")).isWhiteout());
        assertEquals((4000L << 8) | (1000000L & 0xff) | ((1000000L & ~0xffL) << 12),
                ((Device) scanned.get("specials/bigdev")).rdev(), "glibc makedev encoding");
        assertTrue(scanned.get("specials/fifo") instanceof Fifo);
        assertTrue(scanned.get("specials/sock") instanceof Socket);
    }

    @Test
    void xattrsMatchGetfattr() throws Exception {
        // getfattr walks with full paths, so the chain deeper than PATH_MAX is left out.
        List<String> cmd = new ArrayList<>(List.of("getfattr", "-R", "-P", "-h", "-d", "-m", "-", "-e", "hex", "--absolute-names"));
        try (var s = Files.list(root)) {
            s.filter(p -> !p.getFileName().toString().equals("deep")).forEach(p -> cmd.add(p.toString()));
        }
        Map<String, List<Xattr>> expected = parseGetfattr(Tools.run(null, cmd.toArray(String[]::new)), root);
        Map<String, List<Xattr>> actual = new TreeMap<>();
        scanned.forEach((path, node) -> {
            if (!path.isEmpty() && !path.startsWith("deep") && !node.meta().xattrs().isEmpty()) {
                actual.put(path, node.meta().xattrs());
            }
        });
        // getfattr lists in the filesystem's order; the scanner sorts by name.
        expected.replaceAll((k, v) -> v.stream().sorted((a, b) -> Bytes.ORDER.compare(a.nameView(), b.nameView())).toList());
        assertEquals(expected, actual);
        List<String> size1 = scanned.get("files/size1").meta().xattrs().stream().map(Xattr::nameString).toList();
        assertEquals(List.of("security.test", "trusted.overlay.opaque", "user.aa", "user.zz"), size1, "sorted by name");
        assertArrayEquals(new byte[] {0, (byte) 0xff, 0}, scanned.get("files/size1").meta().xattr("user.zz"));
        assertArrayEquals(new byte[0], scanned.get("files/size0").meta().xattr("user.empty"));
        assertEquals(1500, scanned.get("files/size4096").meta().xattr("user.big").length);
        assertArrayEquals(new byte[] {1}, scanned.get("files/link-rel").meta().xattr("trusted.onlink"), "symlink's own xattr");
    }

    /** Parses {@code getfattr -d -e hex} output: "# file: PATH" (octal escapes), then name=0xHEX lines. */
    static Map<String, List<Xattr>> parseGetfattr(byte[] out, Path root) {
        Map<String, List<Xattr>> result = new TreeMap<>();
        String prefix = root + "/";
        String current = null;
        for (String line : new String(out, ISO_8859_1).split("\n")) {
            if (line.startsWith("# file: ")) {
                current = unescapeOctal(line.substring(8)).substring(prefix.length());
                result.put(current, new ArrayList<>());
            } else if (!line.isEmpty()) {
                int eq = line.indexOf('=');
                String hex = line.substring(eq + 1);
                byte[] value = hex.length() <= 2 ? new byte[0] : java.util.HexFormat.of().parseHex(hex.substring(2));
                result.get(current).add(Xattr.of(unescapeOctal(line.substring(0, eq)), value));
            }
        }
        result.values().removeIf(List::isEmpty);
        return result;
    }

    private static String unescapeOctal(String s) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() + 0 + 1 && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.write(Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.write(c);
            }
        }
        return b.toString(ISO_8859_1);
    }

    @Test
    void digestStoreHoldsExactCopies() throws Exception {
        assumeTrue(Tools.available("fsverity"), "needs the fsverity tool (Debian package fsverity)");
        Path store = work.resolve("store");
        Directory t = DirectoryScanner.scan(root, ScanOptions.defaults().withThreads(2).withDigestStore(store));
        Set<String> payloads = new HashSet<>();
        flatten(t).values().forEach(n -> {
            if (n instanceof RegularFile r && r.payload() != null) {
                payloads.add(r.payload());
            }
        });
        // every file in the store is an object named by its own fs-verity digest: no temp files
        byte[] out = Tools.bash(store, "find . -type f -exec fsverity digest {} +");
        Set<String> objects = new HashSet<>();
        for (String line : new String(out, ISO_8859_1).split("\n")) {
            String[] f = line.split(" ");
            String hex = f[0].substring("sha256:".length());
            assertEquals("./" + hex.substring(0, 2) + "/" + hex.substring(2), f[1], "object named by its digest");
            objects.add(f[1].substring(2));
        }
        assertEquals(payloads, objects);
        assertEquals(5, objects.size(), "7 external names: one hardlink, two copies of the same content");
        Path big = store.resolve(((RegularFile) scanned.get("files/size1048576")).payload());
        assertArrayEquals(Files.readAllBytes(root.resolve("files/size1048576")), Files.readAllBytes(big));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(big)));

        // a second scan finds the objects present and leaves them alone
        Object before = Files.getAttribute(big, "unix:ino");
        var mtime = Files.getLastModifiedTime(big);
        DirectoryScanner.scan(root, ScanOptions.defaults().withDigestStore(store));
        assertEquals(before, Files.getAttribute(big, "unix:ino"));
        assertEquals(mtime, Files.getLastModifiedTime(big));
        try (var s = Files.walk(store)) {
            assertEquals(5, s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).count());
        }
    }

    @Test
    void singleThreadedScanGivesTheSameTree() throws IOException {
        Map<String, Node> one = flatten(DirectoryScanner.scan(root, ScanOptions.defaults().withThreads(1)));
        assertEquals(scanned.keySet(), one.keySet());
        scanned.forEach((path, n) -> {
            if (n instanceof RegularFile r) {
                RegularFile o = (RegularFile) one.get(path);
                assertArrayEquals(r.digest(), o.digest(), path);
                assertEquals(r.payload(), o.payload(), path);
            }
            assertEquals(n.meta(), one.get(path).meta(), path);
        });
    }

    @Test
    void inlineLimitAndXattrOptions() throws IOException {
        Map<String, Node> t = flatten(DirectoryScanner.scan(root, ScanOptions.defaults().withInlineLimit(4096).withReadXattrs(false)));
        assertTrue(((RegularFile) t.get("files/size4096")).hasContent());
        assertNotNull(((RegularFile) t.get("files/size1048576")).digest());
        assertTrue(t.values().stream().allMatch(n -> n.meta().xattrs().isEmpty()));
        Map<String, Node> none = flatten(DirectoryScanner.scan(root.resolve("files"), ScanOptions.defaults().withInlineLimit(0)));
        RegularFile one = (RegularFile) none.get("size1");
        assertFalse(one.hasContent());
        assertEquals(FsVerity.objectPath(one.digest()), one.payload());
    }

    @Test
    void errorsNameThePath() {
        Path missing = root.resolve("no-such-dir");
        IOException e = assertThrows(IOException.class, () -> DirectoryScanner.scan(missing, ScanOptions.defaults()));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("No such file"), e.getMessage());
        Path file = root.resolve("files/size1");
        e = assertThrows(IOException.class, () -> DirectoryScanner.scan(file, ScanOptions.defaults()));
        assertEquals(file + ": not a directory", e.getMessage());
    }
}
