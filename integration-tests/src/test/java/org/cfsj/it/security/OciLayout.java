package org.cfsj.it.security;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;

/** An OCI image layout written by hand (blobs, config, manifest, index.json) around a layer tar made by GNU tar. */
final class OciLayout {
    private OciLayout() {}

    /** Writes {@code layout}: one image of one gzip layer ({@code layerTar}, uncompressed) with {@code processJson} as its config's "config", tagged {@code tag}. */
    static void write(Path layout, Path layerTar, String tag, String processJson) throws IOException {
        Files.createDirectories(layout.resolve("blobs/sha256"));
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        String diffId = sha256(Files.readAllBytes(layerTar));
        Path gz = layout.resolve("layer.tmp");
        try (InputStream in = Files.newInputStream(layerTar); OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            in.transferTo(out);
        }
        byte[] layer = Files.readAllBytes(gz);
        Files.delete(gz);
        String layerDigest = blob(layout, layer);
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":" + processJson
                + ",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}").getBytes(StandardCharsets.UTF_8);
        String configDigest = blob(layout, config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
                + descriptor("application/vnd.oci.image.config.v1+json", configDigest, config.length) + ",\"layers\":["
                + descriptor("application/vnd.oci.image.layer.v1.tar+gzip", layerDigest, layer.length) + "]}")
                .getBytes(StandardCharsets.UTF_8);
        String manifestDigest = blob(layout, manifest);
        String d = descriptor("application/vnd.oci.image.manifest.v1+json", manifestDigest, manifest.length);
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[" + d.substring(0, d.length() - 1)
                + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + tag + "\"}}]}");
    }

    private static String descriptor(String type, String digest, long size) {
        return "{\"mediaType\":\"" + type + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}";
    }

    private static String blob(Path layout, byte[] content) throws IOException {
        String digest = sha256(content);
        Files.write(layout.resolve("blobs/sha256/" + digest.substring("sha256:".length())), content);
        return digest;
    }

    private static String sha256(byte[] content) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
