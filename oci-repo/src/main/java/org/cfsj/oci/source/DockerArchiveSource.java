package org.cfsj.oci.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import org.cfsj.digest.HashContext;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * A {@code docker save} tarball ({@code docker-archive:FILE}). It has no registry manifest, so
 * one is synthesized (Docker v2 schema 2, deterministic JSON) from {@code manifest.json}: the
 * config's digest is its sha256, and a layer's digest is the one in its path
 * ({@code blobs/sha256/HEX}, newer Docker) or, for the older {@code ID/layer.tar} form, its
 * sha256 computed by reading it once (for an uncompressed layer that equals its diff_id).
 */
public final class DockerArchiveSource implements ImageSource {
    private static final long MAX_JSON = 16 << 20;

    private final Path file;
    private final TarStore store;
    private final Map<Digest, String> paths = new HashMap<>();
    private RawManifest manifest;

    private DockerArchiveSource(Path file, TarStore store) {
        this.file = file;
        this.store = store;
    }

    public static DockerArchiveSource open(Path file) throws IOException {
        TarStore store = TarStore.open(file);
        DockerArchiveSource source = new DockerArchiveSource(file, store);
        try {
            source.manifest = source.synthesize();
            return source;
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private RawManifest synthesize() throws IOException {
        String where = "docker-archive:" + file;
        if (!store.contains("manifest.json")) {
            throw new ManifestException(where + ": not a docker-archive (no manifest.json)");
        }
        JsonNode list;
        try (InputStream in = store.open("manifest.json")) {
            list = Json.MAPPER.readTree(ImageSource.readBounded(in, MAX_JSON, where + " manifest.json"));
        }
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new ManifestException(where + ": manifest.json lists no images");
        }
        if (list.size() > 1) {
            throw new ManifestException(where + ": holds " + list.size() + " images; cfsj reads single-image archives");
        }
        JsonNode entry = list.get(0);
        String configPath = Json.text(entry, "Config");
        JsonNode layers = entry.get("Layers");
        if (configPath == null || layers == null || !layers.isArray()) {
            throw new ManifestException(where + ": manifest.json entry lacks Config or Layers");
        }
        byte[] config;
        try (InputStream in = store.open(configPath)) {
            config = ImageSource.readBounded(in, MAX_JSON, where + " " + configPath);
        }
        Digest configDigest = Digest.of(config);
        paths.put(configDigest, configPath);

        ObjectNode m = Json.MAPPER.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", MediaTypes.DOCKER_MANIFEST);
        ObjectNode c = m.putObject("config");
        c.put("mediaType", MediaTypes.DOCKER_CONFIG);
        c.put("size", config.length);
        c.put("digest", configDigest.toString());
        ArrayNode ls = m.putArray("layers");
        for (JsonNode l : layers) {
            String path = l.asText();
            LayerFacts facts = inspectLayer(path);
            paths.put(facts.digest, path);
            ObjectNode d = ls.addObject();
            d.put("mediaType", facts.mediaType);
            d.put("size", facts.size);
            d.put("digest", facts.digest.toString());
        }
        byte[] bytes = Json.MAPPER.writeValueAsString(m).getBytes(StandardCharsets.UTF_8);
        return new RawManifest(bytes, Digest.of(bytes), MediaTypes.DOCKER_MANIFEST);
    }

    private record LayerFacts(Digest digest, long size, String mediaType) {}

    /** One pass over a layer member: its sha256, size and compression (by magic bytes). */
    private LayerFacts inspectLayer(String path) throws IOException {
        long size = 0;
        byte[] head = new byte[4];
        int headLen = 0;
        byte[] digest;
        try (InputStream in = store.open(path); HashContext sha = HashContext.sha256()) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) >= 0) {
                if (headLen < 4) {
                    int k = Math.min(4 - headLen, n);
                    System.arraycopy(buf, 0, head, headLen, k);
                    headLen += k;
                }
                sha.update(buf, 0, n);
                size += n;
            }
            digest = sha.digest();
        } catch (NoSuchFileException e) {
            throw new ManifestException("docker-archive:" + file + ": layer " + path + " is missing");
        }
        String type;
        if (headLen >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
            type = MediaTypes.DOCKER_LAYER_GZIP;
        } else if (headLen >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5
                && (head[2] & 0xff) == 0x2f && (head[3] & 0xff) == 0xfd) {
            type = MediaTypes.OCI_LAYER_ZSTD;
        } else {
            type = MediaTypes.DOCKER_LAYER;
        }
        return new LayerFacts(new Digest(HexFormat.of().formatHex(digest)), size, type);
    }

    @Override
    public String describe() {
        return "docker-archive:" + file;
    }

    @Override
    public RawManifest fetchReferenced() {
        return manifest;
    }

    @Override
    public RawManifest fetchManifest(Descriptor descriptor) throws IOException {
        if (descriptor.digest().equals(manifest.digest())) {
            return manifest;
        }
        throw new ManifestException(describe() + ": has no manifest " + descriptor.digest());
    }

    @Override
    public VerifyingInputStream openBlob(Descriptor descriptor) throws IOException {
        String path = paths.get(descriptor.digest());
        if (path == null) {
            throw new NoSuchFileException(describe() + ": blob " + descriptor.digest() + " is missing");
        }
        return new VerifyingInputStream(store.open(path), descriptor.digest(), descriptor.size(), "blob " + descriptor.digest());
    }

    @Override
    public void close() throws IOException {
        store.close();
    }
}
