package org.cfsj.oci.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cfsj.testsupport.Command;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OCI layouts, oci-archive and docker-archive sources over layouts written here by hand. */
class LayoutSourcesTest {
    @TempDir
    Path tmp;

    private Digest blob(Path layout, String content) throws IOException {
        return blob(layout, content.getBytes(StandardCharsets.UTF_8));
    }

    private Digest blob(Path layout, byte[] content) throws IOException {
        Digest d = Digest.of(content);
        Path p = layout.resolve("blobs/sha256/" + d.hex());
        Files.createDirectories(p.getParent());
        Files.write(p, content);
        return d;
    }

    private String desc(String mediaType, Digest d, long size, String extra) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + d + "\",\"size\":" + size + extra + "}";
    }

    /** A layout with a two-platform index (arm/v6 and arm/v7 differ only by variant) tagged "multi". */
    private record Built(Path dir, Digest v6, Digest v7, Digest layer) {}

    private Built build() throws IOException {
        Path dir = tmp.resolve("layout");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        String layerText = "not really a tar, but a blob";
        Digest layer = blob(dir, layerText);
        Digest[] manifests = new Digest[2];
        long[] sizes = new long[2];
        for (int i = 0; i < 2; i++) {
            String cfg = "{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v" + (6 + i) + "\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}";
            Digest c = blob(dir, cfg);
            String m = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":"
                    + desc(MediaTypes.OCI_CONFIG, c, cfg.length(), "") + ",\"layers\":["
                    + desc(MediaTypes.OCI_LAYER_GZIP, layer, layerText.length(), "") + "]}";
            manifests[i] = blob(dir, m);
            sizes[i] = m.length();
        }
        String index = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"manifests\":["
                + desc(MediaTypes.OCI_MANIFEST, manifests[0], sizes[0], ",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v6\"}")
                + "," + desc(MediaTypes.OCI_MANIFEST, manifests[1], sizes[1], ",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\",\"variant\":\"v7\"}")
                + "]}";
        Digest idx = blob(dir, index);
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":["
                + desc(MediaTypes.OCI_INDEX, idx, index.length(), ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"multi\"}") + "]}");
        return new Built(dir, manifests[0], manifests[1], layer);
    }

    @Test
    void variantSelectsTheManifest() throws Exception {
        Built b = build();
        try (ImageSource s = ImageSources.open("oci:" + b.dir() + ":multi", SourceOptions.defaults())) {
            ResolvedImage v7 = s.resolveManifest(Platform.parse("linux/arm/v7"));
            assertEquals(b.v7(), v7.manifest().digest());
            assertTrue(v7.index().isPresent());
            assertEquals(b.v6(), s.resolveManifest(Platform.parse("linux/arm/v6")).manifest().digest());
            var e = assertThrows(ManifestException.class, () -> s.resolveManifest(Platform.parse("linux/amd64")));
            assertTrue(e.getMessage().contains("linux/arm/v6, linux/arm/v7"), e.getMessage());
            Descriptor layer = v7.parsed().layers().getFirst();
            try (InputStream in = s.openBlob(layer)) {
                assertArrayEquals("not really a tar, but a blob".getBytes(StandardCharsets.UTF_8), in.readAllBytes());
            }
        }
        try (ImageSource s = ImageSources.open("oci:" + b.dir() + ":other", SourceOptions.defaults())) {
            var e = assertThrows(ManifestException.class, s::fetchReferenced);
            assertTrue(e.getMessage().contains("tags: multi"), e.getMessage());
        }
    }

    @Test
    void tamperedBlobIsRejected() throws Exception {
        Built b = build();
        Files.writeString(b.dir().resolve("blobs/sha256/" + b.layer().hex()), "not really a tar, but a blop");
        try (ImageSource s = ImageSources.open("oci:" + b.dir(), SourceOptions.defaults())) {
            ResolvedImage r = s.resolveManifest(Platform.parse("linux/arm/v7"));
            try (VerifyingInputStream in = s.openBlob(r.parsed().layers().getFirst())) {
                assertThrows(BlobDigestException.class, in::readAllBytes);
            }
        }
        // A tampered manifest is caught before it is parsed.
        Files.writeString(b.dir().resolve("blobs/sha256/" + b.v7().hex()), "{}");
        try (ImageSource s = ImageSources.open("oci:" + b.dir(), SourceOptions.defaults())) {
            assertThrows(BlobDigestException.class, () -> s.resolveManifest(Platform.parse("linux/arm/v7")));
        }
    }

    @Test
    void ociArchiveReadsInPlace() throws Exception {
        Built b = build();
        Path tar = tmp.resolve("img.tar");
        Assumptions.assumeTrue(Command.of("tar", "-C", b.dir().toString(), "-cf", tar.toString(), ".").run().exit() == 0,
                "tar is needed to build the archive");
        try (ImageSource s = ImageSources.open("oci-archive:" + tar + ":multi", SourceOptions.defaults())) {
            ResolvedImage r = s.resolveManifest(Platform.parse("linux/arm/v7"));
            assertEquals(b.v7(), r.manifest().digest());
            try (VerifyingInputStream in = s.openBlob(r.parsed().layers().getFirst())) {
                in.readAllBytes();
                assertTrue(in.verified());
            }
        }
    }

    @Test
    void dockerArchiveGetsASynthesizedManifest() throws Exception {
        Path dir = tmp.resolve("dsave");
        Files.createDirectories(dir.resolve("abc"));
        byte[] layer = new byte[1024]; // an empty tar: two zero blocks
        Files.write(dir.resolve("abc/layer.tar"), layer);
        Digest diffId = Digest.of(layer);
        String cfg = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}";
        Digest cfgDigest = Digest.of(cfg.getBytes(StandardCharsets.UTF_8));
        Files.writeString(dir.resolve(cfgDigest.hex() + ".json"), cfg);
        Files.writeString(dir.resolve("manifest.json"),
                "[{\"Config\":\"" + cfgDigest.hex() + ".json\",\"RepoTags\":[\"x:1\"],\"Layers\":[\"abc/layer.tar\"]}]");
        Path tar = tmp.resolve("docker.tar");
        Assumptions.assumeTrue(Command.of("tar", "-C", dir.toString(), "-cf", tar.toString(), ".").run().exit() == 0,
                "tar is needed to build the archive");
        try (ImageSource s = ImageSources.open("docker-archive:" + tar, SourceOptions.defaults())) {
            ResolvedImage r = s.resolveManifest(Platform.current());
            assertEquals(MediaTypes.DOCKER_MANIFEST, r.manifest().mediaType());
            assertEquals(cfgDigest, r.parsed().config().digest());
            assertEquals(List.of(diffId), r.parsed().layers().stream().map(Descriptor::digest).toList());
            assertEquals(cfg, new String(s.readBlob(r.parsed().config(), 1 << 20), StandardCharsets.UTF_8));
        }
    }
}
