package org.cfsj.oci.source;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An OCI image layout ({@code oci:DIR[:tag]}, or an {@code oci-archive:} tarball of one). The
 * tag is matched against {@code org.opencontainers.image.ref.name} in {@code index.json}; without
 * a tag the layout must hold exactly one image.
 */
public final class OciLayoutSource implements ImageSource {
    static final String REF_NAME = "org.opencontainers.image.ref.name";
    private static final long MAX_MANIFEST = 4 << 20;

    private final LayoutStore store;
    private final String tag;
    private final String description;

    OciLayoutSource(LayoutStore store, String tag, String description) {
        this.store = store;
        this.tag = tag;
        this.description = description;
    }

    /** {@code oci:DIR[:tag]}. */
    public static OciLayoutSource directory(Path dir, String tag) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString());
        }
        return new OciLayoutSource(new DirectoryStore(dir), tag, "oci:" + dir + (tag == null ? "" : ":" + tag));
    }

    /** {@code oci-archive:FILE[:tag]}: read in place, not unpacked. */
    public static OciLayoutSource archive(Path file, String tag) throws IOException {
        return new OciLayoutSource(TarStore.open(file), tag, "oci-archive:" + file + (tag == null ? "" : ":" + tag));
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public RawManifest fetchReferenced() throws IOException {
        byte[] indexBytes;
        try (InputStream in = store.open("index.json")) {
            indexBytes = ImageSource.readBounded(in, MAX_MANIFEST, description + ": index.json");
        } catch (NoSuchFileException e) {
            throw new ManifestException(description + ": not an OCI layout (no index.json)");
        }
        JsonNode index = Json.parse(indexBytes, description + ": index.json");
        JsonNode manifests = index.get("manifests");
        if (manifests == null || !manifests.isArray() || manifests.isEmpty()) {
            throw new ManifestException(description + ": index.json lists no manifests");
        }
        List<Descriptor> candidates = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < manifests.size(); i++) {
            Descriptor d = Descriptor.fromJson(manifests.get(i), description + ": index.json entry " + i);
            String name = d.annotations().get(REF_NAME);
            if (name != null) {
                names.add(name);
            }
            if (tag == null || tag.equals(name)) {
                candidates.add(d);
            }
        }
        if (candidates.isEmpty()) {
            throw new ManifestException(description + ": no image tagged '" + tag + "'"
                    + (names.isEmpty() ? "" : " (tags: " + String.join(", ", names) + ")"));
        }
        if (candidates.size() > 1) {
            throw new ManifestException(description + ": holds " + candidates.size() + " images; name one with :TAG"
                    + (names.isEmpty() ? "" : " (tags: " + String.join(", ", names) + ")"));
        }
        return fetchManifest(candidates.getFirst());
    }

    @Override
    public RawManifest fetchManifest(Descriptor descriptor) throws IOException {
        if (descriptor.size() > MAX_MANIFEST) {
            throw new ManifestException("manifest " + descriptor.digest() + " is implausibly large (" + descriptor.size() + " bytes)");
        }
        byte[] bytes = readBlob(descriptor, MAX_MANIFEST);
        return RawManifest.of(bytes, descriptor.digest(), descriptor.mediaType());
    }

    @Override
    public VerifyingInputStream openBlob(Descriptor descriptor) throws IOException {
        String path = "blobs/sha256/" + descriptor.digest().encoded();
        InputStream in;
        try {
            in = store.open(path);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(description + ": blob " + descriptor.digest() + " is missing");
        }
        return new VerifyingInputStream(in, descriptor.digest(), descriptor.size(), "blob " + descriptor.digest());
    }

    @Override
    public void close() throws IOException {
        store.close();
    }

    /** A layout directory on disk. */
    private record DirectoryStore(Path dir) implements LayoutStore {
        @Override
        public InputStream open(String path) throws IOException {
            return Files.newInputStream(dir.resolve(path));
        }

        @Override
        public void close() {}
    }
}
