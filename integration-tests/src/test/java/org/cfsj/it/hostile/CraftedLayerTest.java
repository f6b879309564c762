package org.cfsj.it.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.cfsj.testsupport.Cfsj;
import org.cfsj.testsupport.Result;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Crafted layers pulled with the real CLI ({@code cfsj oci pull oci:LAYOUT:TAG}) from an OCI
 * image layout the test writes itself: names and symlink targets no EROFS image can hold, PAX
 * headers that are too large or pile up, a negative PAX size. Each pull must fail with exit 1
 * and one line on stderr that says what is wrong (no stack trace, no internal message), and
 * leave the repository exactly as it was.
 */
class CraftedLayerTest {
    @TempDir
    static Path work;

    private static Path layout;

    /** By tag: the text the error line must contain. */
    private static final Map<String, String> EXPECTED = new java.util.LinkedHashMap<>();

    @BeforeAll
    static void writeLayout() throws IOException {
        layout = work.resolve("layout");
        OciLayout oci = new OciLayout(layout);
        add(oci, "name300", new Tar().pax('x', Tar.record("path", "dir/" + "n".repeat(300))).file("x", new byte[0]),
                "longer than 255");
        add(oci, "name5000", new Tar().pax('x', Tar.record("path", "n".repeat(5000))).file("x", new byte[0]),
                "longer than 255");
        add(oci, "nul", new Tar().pax('x', Tar.record("path", "a\u0000b")).file("x", new byte[0]), "NUL");
        add(oci, "symlink5001", new Tar().pax('x', Tar.record("linkpath", "t".repeat(5001))).symlink("link", "x"),
                "longer than 4095");
        add(oci, "negsize", new Tar().pax('x', Tar.record("size", "-1")).file("f", new byte[0]), "PAX size");
        byte[] huge = new byte[2 << 20];
        Arrays.fill(huge, (byte) 'h');
        add(oci, "hugepax", new Tar().pax('x', Tar.record("comment", huge)).file("f", new byte[0]), "1048576");
        Tar globals = new Tar();
        byte[] value = new byte[1024];
        Arrays.fill(value, (byte) 'v');
        for (int m = 0; m < 3000; m++) {
            globals.pax('g', Tar.record("SCHILY.xattr.user.g" + m, value)).file("f" + m, new byte[0]);
        }
        add(oci, "globalxattrs", globals, "xattr");
        oci.writeIndex();
    }

    private static void add(OciLayout oci, String tag, Tar tar, String expected) throws IOException {
        oci.addImage(tag, tar.finish());
        EXPECTED.put(tag, expected);
    }

    static Stream<Arguments> cases() {
        return Stream.of("name300", "name5000", "nul", "symlink5001", "negsize", "hugepax", "globalxattrs")
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void pullOfCraftedLayerFailsWithOneLineAndChangesNothing(String tag, @TempDir Path tmp) throws Exception {
        Path repo = tmp.resolve("repo");
        Result init = Cfsj.run("--repo", repo.toString(), "init");
        assertEquals(0, init.exit(), init.describe());
        Map<String, String> before = RepoSnapshot.of(repo);

        Result r = Cfsj.run("--repo", repo.toString(), "oci", "pull", "--quiet", "oci:" + layout + ":" + tag, tag);

        assertEquals(1, r.exit(), r.describe());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), "one line: " + r.describe());
        assertTrue(err.startsWith("cfsj oci pull: "), r.describe());
        assertTrue(err.contains(EXPECTED.get(tag)), "'" + EXPECTED.get(tag) + "' missing: " + r.describe());
        for (String internal : List.of("Exception", "Error", "differs from its plan", "checksum")) {
            assertFalse(err.contains(internal), r.describe());
        }
        assertEquals(before, RepoSnapshot.of(repo), "the failed pull changed the repository");
    }

    /** Raw tar blocks (ustar layout, PAX records "LEN KEY=VALUE\n"), written without any tar library. */
    static final class Tar {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        static byte[] record(String key, byte[] value) {
            byte[] k = key.getBytes(StandardCharsets.ISO_8859_1);
            int body = k.length + 2 + value.length; // key '=' value '\n'
            int len = body + 1;
            while (String.valueOf(len).length() + 1 + body != len) {
                len = String.valueOf(len).length() + 1 + body;
            }
            ByteArrayOutputStream r = new ByteArrayOutputStream();
            r.writeBytes((len + " ").getBytes(StandardCharsets.US_ASCII));
            r.writeBytes(k);
            r.write('=');
            r.writeBytes(value);
            r.write('\n');
            return r.toByteArray();
        }

        static byte[] record(String key, String value) {
            return record(key, value.getBytes(StandardCharsets.ISO_8859_1));
        }

        private void header(String name, char type, long size, String link) {
            byte[] b = new byte[512];
            put(b, 0, name.getBytes(StandardCharsets.ISO_8859_1), 100);
            octal(b, 100, 8, 0644);
            octal(b, 108, 8, 0);
            octal(b, 116, 8, 0);
            octal(b, 124, 12, size);
            octal(b, 136, 12, 1_700_000_000L);
            b[156] = (byte) type;
            put(b, 157, link.getBytes(StandardCharsets.ISO_8859_1), 100);
            put(b, 257, "ustar\u000000".getBytes(StandardCharsets.US_ASCII), 8);
            Arrays.fill(b, 148, 156, (byte) ' ');
            long sum = 0;
            for (byte x : b) {
                sum += x & 0xff;
            }
            octal(b, 148, 7, sum);
            out.writeBytes(b);
        }

        private static void put(byte[] b, int off, byte[] v, int max) {
            System.arraycopy(v, 0, b, off, Math.min(v.length, max));
        }

        private static void octal(byte[] b, int off, int len, long v) {
            String s = Long.toOctalString(v);
            put(b, off, ("0".repeat(len - 1 - s.length()) + s).getBytes(StandardCharsets.US_ASCII), len - 1);
        }

        private void data(byte[] d) {
            out.writeBytes(d);
            out.writeBytes(new byte[(512 - d.length % 512) % 512]);
        }

        Tar pax(char type, byte[]... records) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (byte[] r : records) {
                body.writeBytes(r);
            }
            header("PaxHeaders/" + type, type, body.size(), "");
            data(body.toByteArray());
            return this;
        }

        Tar file(String name, byte[] content) {
            header(name, '0', content.length, "");
            data(content);
            return this;
        }

        Tar symlink(String name, String target) {
            header(name, '2', 0, target);
            return this;
        }

        byte[] finish() {
            out.writeBytes(new byte[1024]);
            return out.toByteArray();
        }
    }

    /** An OCI image layout with one single-layer (gzip) image per tag, written by hand. */
    static final class OciLayout {
        private final Path dir;
        private final StringBuilder manifests = new StringBuilder();

        OciLayout(Path dir) throws IOException {
            this.dir = dir;
            Files.createDirectories(dir.resolve("blobs/sha256"));
            Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        }

        void addImage(String tag, byte[] tar) throws IOException {
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (OutputStream o = new GZIPOutputStream(gz)) {
                o.write(tar);
            }
            byte[] layer = gz.toByteArray();
            String layerDigest = blob(layer);
            byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\","
                    + "\"diff_ids\":[\"" + RepoSnapshot.sha256(tar) + "\"]}}").getBytes(StandardCharsets.UTF_8);
            String configDigest = blob(config);
            byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                    + "\"config\":" + descriptor("application/vnd.oci.image.config.v1+json", configDigest, config.length)
                    + ",\"layers\":[" + descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layerDigest, layer.length)
                    + "]}").getBytes(StandardCharsets.UTF_8);
            String manifestDigest = blob(manifest);
            String d = descriptor("application/vnd.oci.image.manifest.v1+json", manifestDigest, manifest.length);
            if (!manifests.isEmpty()) {
                manifests.append(',');
            }
            manifests.append(d, 0, d.length() - 1)
                    .append(",\"annotations\":{\"org.opencontainers.image.ref.name\":\"").append(tag).append("\"}}");
        }

        void writeIndex() throws IOException {
            Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[" + manifests + "]}");
        }

        private String blob(byte[] data) throws IOException {
            String digest = RepoSnapshot.sha256(data);
            Files.write(dir.resolve("blobs/sha256").resolve(digest.substring("sha256:".length())), data);
            return digest;
        }

        private static String descriptor(String mediaType, String digest, long size) {
            return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}";
        }
    }

    /**
     * Every file and directory under a repository: type and content digest by path. The empty
     * {@code lock} file is left out: the first command that locks the repository creates it,
     * and it holds nothing.
     */
    static final class RepoSnapshot {
        static Map<String, String> of(Path root) throws IOException {
            Map<String, String> m = new java.util.TreeMap<>();
            try (Stream<Path> s = Files.walk(root)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    String rel = root.relativize(p).toString();
                    if (rel.equals("lock") && Files.size(p) == 0) {
                        continue;
                    }
                    if (Files.isSymbolicLink(p)) {
                        m.put(rel, "link " + Files.readSymbolicLink(p));
                    } else if (Files.isDirectory(p)) {
                        m.put(rel, "dir");
                    } else {
                        m.put(rel, "file " + sha256(Files.readAllBytes(p)));
                    }
                }
            }
            return m;
        }

        static String sha256(byte[] data) {
            try {
                return "sha256:" + java.util.HexFormat.of().formatHex(
                        java.security.MessageDigest.getInstance("SHA-256").digest(data));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
