package org.cfsj.it.run;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.cfsj.it.TestRegistry;
import org.cfsj.testsupport.Command;

/**
 * Writes single-layer images into an OCI image layout by hand (blobs, config, manifest,
 * index.json), from a layer tar made by GNU tar, so that skopeo can push them to a registry.
 */
final class OciLayouts {
    enum Codec { GZIP, ZSTD }

    private final Path layout;
    private final List<String> tags = new ArrayList<>();

    OciLayouts(Path layout) throws IOException {
        this.layout = layout;
        Files.createDirectories(layout.resolve("blobs/sha256"));
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    }

    Path dir() {
        return layout;
    }

    /** Tars {@code rootfs} with GNU tar as a layer: PAX, xattrs, numeric owners, sorted. */
    static Path tar(Path rootfs, Path tarFile) throws IOException, InterruptedException {
        Command.of("tar", "--format=pax", "--xattrs", "--xattrs-include=*", "--numeric-owner", "--sort=name", "-C", rootfs.toString(), "-cf", tarFile.toString(), ".").check();
        return tarFile;
    }

    /**
     * Adds an image of one layer (the uncompressed {@code layerTar}) whose config's {@code config}
     * object is {@code processJson}, named {@code tag} in index.json.
     */
    void addImage(String tag, Path layerTar, Codec codec, String processJson) throws IOException {
        String diffId = sha256(layerTar);
        Path tmp = layout.resolve("blob.tmp");
        try (InputStream in = Files.newInputStream(layerTar);
                OutputStream out = codec == Codec.GZIP
                        ? new GZIPOutputStream(Files.newOutputStream(tmp), 1 << 16)
                        : new ZstdOutputStream(Files.newOutputStream(tmp), 3)) {
            in.transferTo(out);
        }
        String layerDigest = sha256(tmp);
        long layerSize = Files.size(tmp);
        Files.move(tmp, blob(layerDigest), StandardCopyOption.REPLACE_EXISTING);
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":" + processJson
                + ",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}").getBytes(StandardCharsets.UTF_8);
        String configDigest = write(config);
        String layerType = codec == Codec.GZIP ? "application/vnd.oci.image.layer.v1.tar+gzip"
                : "application/vnd.oci.image.layer.v1.tar+zstd";
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":" + descriptor("application/vnd.oci.image.config.v1+json", configDigest, config.length)
                + ",\"layers\":[" + descriptor(layerType, layerDigest, layerSize) + "]}").getBytes(StandardCharsets.UTF_8);
        String manifestDigest = write(manifest);
        String d = descriptor("application/vnd.oci.image.manifest.v1+json", manifestDigest, manifest.length);
        tags.add(d.substring(0, d.length() - 1) + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"" + tag + "\"}}");
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[" + String.join(",", tags) + "]}");
    }

    /** {@code skopeo copy oci:LAYOUT:TAG docker://HOST/REPO:TAG} (plain HTTP to the loopback registry). */
    void push(String tag, TestRegistry registry, String repoAndTag) throws IOException, InterruptedException {
        Command.of("skopeo", "copy", "-q", "--dest-tls-verify=false", "oci:" + layout + ":" + tag, "docker://" + registry.host() + "/" + repoAndTag).check();
    }

    private static String descriptor(String type, String digest, long size) {
        return "{\"mediaType\":\"" + type + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}";
    }

    private String write(byte[] content) throws IOException {
        String digest = "sha256:" + HexFormat.of().formatHex(sha256().digest(content));
        Files.write(blob(digest), content);
        return digest;
    }

    private Path blob(String digest) {
        return layout.resolve("blobs/sha256/" + digest.substring("sha256:".length()));
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md = sha256();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return "sha256:" + HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
