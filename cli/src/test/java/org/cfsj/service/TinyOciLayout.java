package org.cfsj.service;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * An OCI image layout written by hand: one image of one plain tar layer holding a small file and
 * a 64 KiB one (stored as an object, so the image refers to it), for pulls with {@code oci:DIR:TAG}.
 */
final class TinyOciLayout {
    /** The large file's content. */
    static final byte[] BIG = bigContent();

    private TinyOciLayout() {}

    private static byte[] bigContent() {
        byte[] b = new byte[64 * 1024];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    /** Writes the layout into {@code dir} with the image tagged {@code tag}; the manifest digest. */
    static String write(Path dir, String tag) throws IOException {
        return write(dir, tag, List.of(tar()));
    }

    /** As {@link #write(Path, String)}, for an image of {@code count} layers of one small file each. */
    static String writeLayers(Path dir, String tag, int count) throws IOException {
        List<byte[]> layers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
                add(tar, "layer-" + i, ("layer " + i + "\n").getBytes(StandardCharsets.UTF_8));
            }
            layers.add(bytes.toByteArray());
        }
        return write(dir, tag, layers);
    }

    private static String write(Path dir, String tag, List<byte[]> layers) throws IOException {
        Files.createDirectories(dir.resolve("blobs/sha256"));
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        List<String> diffIds = new ArrayList<>();
        List<String> descriptors = new ArrayList<>();
        for (byte[] layer : layers) {
            String layerDigest = blob(dir, layer);
            diffIds.add("\"" + layerDigest + "\"");
            descriptors.add(descriptor("application/vnd.oci.image.layer.v1.tar", layerDigest, layer.length));
        }
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2026-01-01T00:00:00Z\","
                + "\"config\":{\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
                + String.join(",", diffIds) + "]}}")
                .getBytes(StandardCharsets.UTF_8);
        String configDigest = blob(dir, config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
                + descriptor("application/vnd.oci.image.config.v1+json", configDigest, config.length) + ",\"layers\":["
                + String.join(",", descriptors) + "]}")
                .getBytes(StandardCharsets.UTF_8);
        String manifestDigest = blob(dir, manifest);
        String d = descriptor("application/vnd.oci.image.manifest.v1+json", manifestDigest, manifest.length);
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[" + d.substring(0, d.length() - 1)
                + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + tag + "\"}}]}");
        return manifestDigest;
    }

    private static byte[] tar() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            TarArchiveEntry etc = new TarArchiveEntry("etc/");
            etc.setMode(040755);
            tar.putArchiveEntry(etc);
            tar.closeArchiveEntry();
            add(tar, "etc/hostname", "tiny\n".getBytes(StandardCharsets.UTF_8));
            add(tar, "big.bin", BIG);
        }
        return bytes.toByteArray();
    }

    private static void add(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setMode(0100644);
        e.setSize(content.length);
        tar.putArchiveEntry(e);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private static String descriptor(String type, String digest, long size) {
        return "{\"mediaType\":\"" + type + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}";
    }

    private static String blob(Path dir, byte[] content) throws IOException {
        String digest = sha256(content);
        Files.write(dir.resolve("blobs/sha256/" + digest.substring("sha256:".length())), content);
        return digest;
    }

    static String sha256(byte[] content) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
