package org.cfsj.it.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.cfsj.erofs.ErofsImage;
import org.cfsj.erofs.ImageTree;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Command;
import org.cfsj.testsupport.Result;
import org.cfsj.tree.Directory;
import org.cfsj.tree.Node;
import org.cfsj.tree.RegularFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trees far deeper than any real image, fed to the real {@code cfsj} command (its own JVM, the
 * default thread stack size): a layer whose one PAX path has 40,000 components, the dump and
 * listing of a 3,000-deep image, {@code mkcomposefs} of a directory 15,000 levels deep, and one
 * deeper than the open-file limit. The kernel accepts such trees (PATH_MAX bounds one path string
 * in a syscall, not the depth of a tree), so cfsj must handle them: each command succeeds with
 * the right tree, and whatever fails does so in one line, never with a stack trace.
 */
class DeepTreeTest {
    @TempDir
    Path tmp;

    @Test
    void pullOfALayerWithA40000ComponentPaxPathIsRefusedInOneLine() throws Exception {
        int depth = 40_000;
        Path layout = tmp.resolve("layout");
        OciLayout.write(layout, "deep", PaxTar.deepFile(depth - 1, "d", "f", "bottom\n"));
        Path repo = tmp.resolve("repo");
        Result pull = Cfsj.command("--repo", repo.toString(), "oci", "pull", "--quiet", "oci:" + layout + ":deep", "deep").timeoutSeconds(600).run();
        assertClean(pull);
        assertEquals(1, pull.exit(), pull.describe());
        assertTrue(pull.err().contains("longer than 4095"), pull.describe());
    }

    /** The deepest layer a member path of PATH_MAX - 1 bytes allows: 2,047 directories and a file. */
    @Test
    void pullOfALayerAsDeepAsPathMaxAllows() throws Exception {
        int dirs = 2_047; // "d/" x 2047 + "f" = 4,095 bytes
        Path layout = tmp.resolve("layout");
        OciLayout.write(layout, "deep", PaxTar.deepFile(dirs, "d", "f", "bottom\n"));
        Path repo = tmp.resolve("repo");
        Result pull = Cfsj.command("--repo", repo.toString(), "oci", "pull", "--quiet", "oci:" + layout + ":deep", "deep").timeoutSeconds(600).run();
        assertClean(pull);
        assertEquals(0, pull.exit(), pull.describe());
        try (ErofsImage image = ErofsImage.open(repo.resolve("images").resolve(pull.outLatin1().strip()))) {
            Node bottom = descend(ImageTree.read(image), "d", dirs);
            RegularFile f = assertInstanceOf(RegularFile.class, ((Directory) bottom).get("f"));
            assertEquals("bottom\n", new String(f.content(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void composefsInfoDumpAndLsOfA3000DeepImage() throws Exception {
        int dirs = 3_000;
        Path image = tmp.resolve("deep.cfs");
        // Built from a directory, not a layer, so that no import rule on member path length interferes.
        withDeepDirectory(dirs, source -> {
            Result mk = Cfsj.command("mkcomposefs", source.toString(), image.toString()).timeoutSeconds(300).run();
            assertClean(mk);
            assertEquals(0, mk.exit(), mk.describe());
        });

        String deepest = "/d".repeat(dirs);
        Result dump = Cfsj.command("composefs-info", "dump", image.toString()).timeoutSeconds(300).run();
        assertClean(dump);
        assertEquals(0, dump.exit(), dump.describe());
        List<String> lines = dump.outLatin1().lines().toList();
        // composefs-dump(5): the root, then every entry depth first, each line starting with its path.
        assertEquals(1 + dirs + 1, lines.size(), "root, " + dirs + " directories and the file");
        assertTrue(lines.get(0).startsWith("/ "), lines.get(0));
        for (int i = 1; i <= dirs; i++) {
            assertTrue(lines.get(i).startsWith("/d".repeat(i) + " "), "line " + i + " names directory " + i);
        }
        assertTrue(lines.getLast().startsWith(deepest + "/f 7 100"), "the file, 7 bytes, regular");

        Result ls = Cfsj.command("composefs-info", "ls", image.toString()).timeoutSeconds(300).run();
        assertClean(ls);
        assertEquals(0, ls.exit(), ls.describe());
        List<String> listed = ls.outLatin1().lines().toList();
        assertEquals(dirs + 1, listed.size(), "every directory and the file");
        assertEquals("/d/\t", listed.get(0));
        assertEquals(deepest + "/\t", listed.get(dirs - 1));
        assertEquals(deepest + "/f", listed.getLast());
    }

    @Test
    void mkcomposefsOfA15000DeepDirectory() throws Exception {
        mkcomposefsOfADeepDirectory(15_000, List.of());
    }

    @Test
    void mkcomposefsOfADirectoryDeeperThanTheOpenFileLimit() throws Exception {
        // ulimit -n lowers the hard limit too, so the JVM cannot raise it back.
        mkcomposefsOfADeepDirectory(2_000, List.of("bash", "-c", "ulimit -n 512 && exec \"$0\" \"$@\""));
    }

    /** mkcomposefs (run through {@code wrapper}) of a chain of {@code depth} directories with a file at the bottom. */
    private void mkcomposefsOfADeepDirectory(int depth, List<String> wrapper) throws Exception {
        Path image = tmp.resolve("deep.cfs");
        withDeepDirectory(depth, source -> {
            Result mk = Cfsj.command("mkcomposefs", source.toString(), image.toString()).wrappedIn(wrapper).timeoutSeconds(600).run();
            assertClean(mk);
            assertEquals(0, mk.exit(), mk.describe());
        });
        try (ErofsImage img = ErofsImage.open(image)) {
            Node bottom = descend(ImageTree.read(img), "d", depth);
            RegularFile f = assertInstanceOf(RegularFile.class, ((Directory) bottom).get("f"));
            assertEquals("bottom\n", new String(f.content(), StandardCharsets.UTF_8));
        }
    }

    interface SourceUse {
        void accept(Path source) throws Exception;
    }

    /** Runs {@code use} on a chain of {@code depth} directories "d" with a file "f" (7 bytes) at the bottom, then removes it. */
    private void withDeepDirectory(int depth, SourceUse use) throws Exception {
        Path source = tmp.resolve("source");
        Files.createDirectory(source);
        try {
            // perl (Debian: essential) walks down with relative mkdir/chdir: no path exceeds PATH_MAX.
            Result made = Command.of(List.of("perl", "-e",
                    "chdir $ARGV[0] or die; for (1..$ARGV[1]) { mkdir 'd' or die \"mkdir: $!\"; chdir 'd' or die \"chdir: $!\"; }"
                            + " open(my $f, '>', 'f') or die; print $f \"bottom\\n\"; close $f or die;",
                    source.toString(), Integer.toString(depth))).timeoutSeconds(120).run();
            assertEquals(0, made.exit(), made.describe());
            use.accept(source);
        } finally {
            // JUnit's own cleanup walks by absolute path, which fails past PATH_MAX; rm -rf does not.
            Command.of(List.of("rm", "-rf", "--one-file-system", source.toString())).timeoutSeconds(120).run();
        }
    }

    /** Follows {@code levels} entries named {@code name} down from {@code root}; each must be a directory. */
    private static Node descend(Directory root, String name, int levels) {
        Directory d = root;
        for (int i = 0; i < levels; i++) {
            Node n = d.get(name);
            d = assertInstanceOf(Directory.class, n, "level " + (i + 1));
        }
        return d;
    }

    /** Whatever the outcome: no stack trace, and a failure is one line saying what went wrong. */
    static void assertClean(Result r) {
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception in thread")
                || r.err().contains("java.lang."), "a stack trace or a Java class reached the user:\n" + head(r.err()));
        if (r.exit() != 0) {
            assertEquals(1, r.exit(), r.describe());
            assertEquals(1, r.err().lines().count(), "one line of error:\n" + head(r.err()));
        }
    }

    private static String head(String s) {
        return s.length() > 4000 ? s.substring(0, 4000) + "\n[... " + (s.length() - 4000) + " more chars]" : s;
    }

    /** A POSIX (pax) tar written byte by byte, so that a test can say exactly what a member holds. */
    static final class PaxTar {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        /** One regular file {@code dirs} directories named {@code dir} deep, its path in a PAX header. */
        static byte[] deepFile(int dirs, String dir, String file, String content) {
            PaxTar t = new PaxTar();
            t.regularFile((dir + "/").repeat(dirs) + file, content.getBytes(StandardCharsets.UTF_8));
            return t.finish();
        }

        void regularFile(String path, byte[] content) {
            byte[] record = paxRecord("path", path.getBytes(StandardCharsets.UTF_8));
            header("PaxHeaders/f", 'x', record.length);
            block(record);
            header("placeholder", '0', content.length);
            block(content);
        }

        byte[] finish() {
            out.writeBytes(new byte[1024]);
            return out.toByteArray();
        }

        /** "LEN key=value\n", where LEN counts the whole record including its own digits. */
        private static byte[] paxRecord(String key, byte[] value) {
            int rest = 1 + key.length() + 1 + value.length + 1;
            int len = rest + 1;
            while (len != rest + Integer.toString(len).length()) {
                len = rest + Integer.toString(len).length();
            }
            ByteArrayOutputStream r = new ByteArrayOutputStream(len);
            r.writeBytes((len + " " + key + "=").getBytes(StandardCharsets.US_ASCII));
            r.writeBytes(value);
            r.write('\n');
            return r.toByteArray();
        }

        private void header(String name, char type, long size) {
            byte[] h = new byte[512];
            put(h, 0, name);
            put(h, 100, "0000644");
            put(h, 108, "0000000");
            put(h, 116, "0000000");
            put(h, 124, String.format("%011o", size));
            put(h, 136, String.format("%011o", 1_700_000_000L));
            h[156] = (byte) type;
            put(h, 257, "ustar");
            put(h, 263, "00");
            for (int i = 148; i < 156; i++) {
                h[i] = ' ';
            }
            int sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            put(h, 148, String.format("%06o", sum));
            h[155] = ' ';
            out.writeBytes(h);
        }

        private void block(byte[] data) {
            out.writeBytes(data);
            out.writeBytes(new byte[(512 - data.length % 512) % 512]);
        }

        private static void put(byte[] h, int off, String s) {
            byte[] b = s.getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(b, 0, h, off, b.length);
        }
    }

    /** An OCI image layout with one single-layer image (uncompressed layer), as {@code oci pull oci:DIR:TAG} reads it. */
    static final class OciLayout {
        private OciLayout() {}

        static void write(Path dir, String tag, byte[] layerTar) throws IOException {
            Files.createDirectories(dir.resolve("blobs/sha256"));
            Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
            String diffId = blob(dir, layerTar);
            byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
                    + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}").getBytes(StandardCharsets.UTF_8);
            String configDigest = blob(dir, config);
            byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                    + "\"config\":" + descriptor("application/vnd.oci.image.config.v1+json", configDigest, config.length)
                    + ",\"layers\":[" + descriptor("application/vnd.oci.image.layer.v1.tar", diffId, layerTar.length)
                    + "]}").getBytes(StandardCharsets.UTF_8);
            String manifestDigest = blob(dir, manifest);
            String d = descriptor("application/vnd.oci.image.manifest.v1+json", manifestDigest, manifest.length);
            Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[" + d.substring(0, d.length() - 1)
                    + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + tag + "\"}}]}");
        }

        private static String descriptor(String type, String digest, long size) {
            return "{\"mediaType\":\"" + type + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}";
        }

        private static String blob(Path dir, byte[] data) throws IOException {
            try {
                String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
                Files.write(dir.resolve("blobs/sha256").resolve(hex), data);
                return "sha256:" + hex;
            } catch (NoSuchAlgorithmException e) {
                throw new AssertionError(e);
            }
        }
    }
}
