package org.cfsj.it.mutate;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cfsj.oci.source.Descriptor;
import org.cfsj.oci.source.Digest;
import org.cfsj.oci.source.ImageSource;
import org.cfsj.oci.source.ManifestException;
import org.cfsj.oci.source.MediaTypes;
import org.cfsj.oci.source.Platform;
import org.cfsj.oci.source.RawManifest;
import org.cfsj.oci.source.VerifyingInputStream;

/**
 * A one-image source in memory: a manifest and config naming the given layer blobs, served with
 * their digests checked as every real source does, so that {@code Puller} runs exactly as for
 * {@code oci pull}. {@link #saveLayout} writes the same image as an OCI layout directory, for
 * replaying a case with {@code cfsj oci pull oci:DIR:latest}.
 */
final class MemorySource implements ImageSource {
    /** A layer blob as stored (compressed or not), its media type and the diff_id the config claims. */
    record Layer(byte[] blob, String mediaType, String diffId) {}

    private final Map<String, byte[]> blobs = new HashMap<>();
    private final byte[] manifest;
    private final Digest manifestDigest;

    MemorySource(List<Layer> layers) {
        StringBuilder diffIds = new StringBuilder();
        StringBuilder descriptors = new StringBuilder();
        for (Layer l : layers) {
            Digest d = Digest.of(l.blob());
            blobs.put(d.toString(), l.blob());
            diffIds.append(diffIds.isEmpty() ? "" : ",").append('"').append(l.diffId()).append('"');
            descriptors.append(descriptors.isEmpty() ? "" : ",").append(descriptor(l.mediaType(), d, l.blob().length));
        }
        byte[] config = ("{\"architecture\":\"" + Platform.current().architecture() + "\",\"os\":\"linux\","
                + "\"config\":{\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds + "]}}")
                .getBytes(StandardCharsets.UTF_8);
        Digest configDigest = Digest.of(config);
        blobs.put(configDigest.toString(), config);
        manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                + descriptor(MediaTypes.OCI_CONFIG, configDigest, config.length) + ",\"layers\":[" + descriptors + "]}")
                .getBytes(StandardCharsets.UTF_8);
        manifestDigest = Digest.of(manifest);
    }

    private static String descriptor(String mediaType, Digest d, long size) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + d + "\",\"size\":" + size + "}";
    }

    @Override
    public String describe() {
        return "mutated image";
    }

    @Override
    public RawManifest fetchReferenced() throws ManifestException {
        return RawManifest.of(manifest, manifestDigest, MediaTypes.OCI_MANIFEST);
    }

    @Override
    public RawManifest fetchManifest(Descriptor descriptor) throws ManifestException {
        return fetchReferenced();
    }

    @Override
    public VerifyingInputStream openBlob(Descriptor descriptor) throws IOException {
        byte[] blob = blobs.get(descriptor.digest().toString());
        if (blob == null) {
            throw new IOException("blob " + descriptor.digest() + " not found");
        }
        return new VerifyingInputStream(new ByteArrayInputStream(blob), descriptor.digest(), descriptor.size(),
                "blob " + descriptor.digest());
    }

    @Override
    public void close() {}

    /** Writes an OCI image layout of this image to {@code dir} (tag {@code latest}). */
    void saveLayout(Path dir) throws IOException {
        Path shaDir = dir.resolve("blobs/sha256");
        Files.createDirectories(shaDir);
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        for (Map.Entry<String, byte[]> e : blobs.entrySet()) {
            Files.write(shaDir.resolve(Digest.parse(e.getKey()).encoded()), e.getValue());
        }
        Files.write(shaDir.resolve(manifestDigest.encoded()), manifest);
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\""
                + MediaTypes.OCI_MANIFEST + "\",\"digest\":\"" + manifestDigest + "\",\"size\":" + manifest.length
                + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"latest\"}}]}");
    }
}
