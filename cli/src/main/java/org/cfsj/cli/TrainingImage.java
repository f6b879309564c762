package org.cfsj.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A small generated OCI image for the AOT training run ({@link AotTrainingCommand}), built like
 * real layers so that a pull of it goes through the same code as a pull of a real image: gzip
 * layers (one of them multi-member, as pigz writes them) of directories, small files (inlined),
 * larger ones (objects, some above the import's parallel-hashing limit), symlinks and a hardlink,
 * with text-like contents that compress as real files do.
 *
 * @param manifest       the image manifest's bytes
 * @param manifestDigest its digest ({@code sha256:…})
 * @param blobs          config and layer blobs by digest
 */
record TrainingImage(byte[] manifest, String manifestDigest, Map<String, byte[]> blobs) {
    static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
    private static final String[] WORDS = {"usr", "lib", "share", "bin", "include", "python3", "perl", "the ",
        "of ", "and ", "return ", "static ", "int ", "void ", "#include <", ">\n", "{\n", "}\n", "    ", "\n",
        "0x", "ELF", "\0\0\0\0", "copyright ", "license "};

    static TrainingImage generate() throws IOException {
        Random rnd = new Random(42);
        Map<String, byte[]> blobs = new LinkedHashMap<>();
        StringBuilder layers = new StringBuilder();
        StringBuilder diffIds = new StringBuilder();
        for (int layer = 0; layer < 3; layer++) {
            byte[] tar = tar(rnd, layer, layer == 0 ? 1200 : 400);
            byte[] gz = layer == 1 ? gzip(tar, 0, tar.length / 3, tar.length) : gzip(tar, 0, tar.length);
            String digest = digest(gz);
            blobs.put(digest, gz);
            layers.append(layers.isEmpty() ? "" : ",").append("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
                    + "\"digest\":\"").append(digest).append("\",\"size\":").append(gz.length).append('}');
            diffIds.append(diffIds.isEmpty() ? "" : ",").append('"').append(digest(tar)).append('"');
        }
        byte[] config = ("{\"architecture\":\"" + architecture() + "\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/usr/bin\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}").getBytes(StandardCharsets.UTF_8);
        String configDigest = digest(config);
        blobs.put(configDigest, config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST_TYPE + "\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest + "\",\"size\":" + config.length
                + "},\"layers\":[" + layers + "]}").getBytes(StandardCharsets.UTF_8);
        return new TrainingImage(manifest, digest(manifest), blobs);
    }

    /** One layer's tar: {@code files} files in 40 directories, a symlink in each, one hardlink. */
    private static byte[] tar(Random rnd, int layer, int files) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (int d = 0; d < 40; d++) {
                TarArchiveEntry dir = new TarArchiveEntry("usr/l" + layer + "/d" + d + "/");
                dir.setMode(0755);
                tar.putArchiveEntry(dir);
                tar.closeArchiveEntry();
            }
            for (int i = 0; i < files; i++) {
                String name = "usr/l" + layer + "/d" + (i % 40) + "/file-" + i + (i % 7 == 0 ? ".py" : "");
                int size = switch (i % 10) {
                    case 0, 1, 2, 3 -> rnd.nextInt(60); // inline
                    case 9 -> i % 300 == 9 ? 1_500_000 + rnd.nextInt(500_000) : 20_000 + rnd.nextInt(100_000);
                    default -> 100 + rnd.nextInt(12_000);
                };
                TarArchiveEntry e = new TarArchiveEntry(name);
                e.setMode(i % 5 == 0 ? 0755 : 0644);
                e.setSize(size);
                e.setModTime(1_700_000_000_000L + i * 1000L);
                tar.putArchiveEntry(e);
                tar.write(content(rnd, size));
                tar.closeArchiveEntry();
                if (i < 40) {
                    TarArchiveEntry link = new TarArchiveEntry("usr/l" + layer + "/d" + i + "/link", TarArchiveEntry.LF_SYMLINK);
                    link.setLinkName("file-" + i);
                    tar.putArchiveEntry(link);
                    tar.closeArchiveEntry();
                }
                if (i == 1) {
                    TarArchiveEntry hard = new TarArchiveEntry("usr/l" + layer + "/hardlink", TarArchiveEntry.LF_LINK);
                    hard.setLinkName(name);
                    tar.putArchiveEntry(hard);
                    tar.closeArchiveEntry();
                }
            }
        }
        return out.toByteArray();
    }

    private static byte[] content(Random rnd, int size) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(size + 32);
        while (b.size() < size) {
            if (rnd.nextInt(16) == 0) {
                byte[] noise = new byte[1 + rnd.nextInt(24)];
                rnd.nextBytes(noise);
                b.writeBytes(noise);
            } else {
                b.writeBytes(WORDS[rnd.nextInt(WORDS.length)].getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        byte[] all = b.toByteArray();
        return all.length == size ? all : Arrays.copyOf(all, size);
    }

    /** gzip of {@code data}, one member per range between the given cut points. */
    private static byte[] gzip(byte[] data, int... cuts) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i + 1 < cuts.length; i++) {
            // closing a ByteArrayOutputStream does nothing: the next member follows
            try (OutputStream gz = new GZIPOutputStream(out, 1 << 16)) {
                gz.write(data, cuts[i], cuts[i + 1] - cuts[i]);
            }
        }
        return out.toByteArray();
    }

    private static String digest(byte[] data) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The OCI name of this machine's architecture: the pull's default platform. */
    private static String architecture() {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> arch;
        };
    }
}
