package org.cfsj.oci.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.cfsj.digest.HashContext;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.RepoLock;
import org.cfsj.repo.Repository;
import org.cfsj.repo.RepositoryException;
import org.cfsj.repo.splitstream.Chunk;
import org.cfsj.repo.splitstream.SplitStreamFormat;
import org.cfsj.repo.splitstream.SplitStreamReader;
import org.cfsj.repo.splitstream.SplitStreamWriter;

/**
 * OCI metadata in the repository, as composefs-rs lays it out (doc/repository.md, "OCI image
 * storage"): the manifest and the config are splitstreams whose content is the raw JSON, kept
 * byte for byte (as an object), so their sha256 digests stay what the registry said.
 *
 * <pre>
 * oci-config-sha256:&lt;c&gt;    content: config JSON   named refs: &lt;diff_id&gt; -&gt; layer stream,
 *                                                        composefs.image -&gt; image object (once built)
 * oci-manifest-sha256:&lt;m&gt;  content: manifest JSON named refs: config:sha256:&lt;c&gt; -&gt; config stream,
 *                                                        &lt;diff_id&gt; -&gt; layer stream
 * streams/refs/oci/&lt;percent-encoded tag&gt; -&gt; ../../oci-manifest-sha256:&lt;m&gt;
 * images/refs/oci/&lt;percent-encoded tag&gt;  -&gt; ../../&lt;image id&gt;   (once built)
 * </pre>
 *
 * A tag therefore keeps the manifest, config, layers and built image alive through gc.
 */
public final class OciImages {
    /** Ref directory of tags under {@code streams/refs/} and {@code images/refs/}. */
    public static final String TAG_PREFIX = "oci";
    /** Named ref on the config splitstream naming the composefs image built from it. */
    public static final String IMAGE_REF = "composefs.image";
    private static final String CONFIG_REF_PREFIX = "config:";
    private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private OciImages() {}

    public static String manifestStream(String manifestDigest) {
        return "oci-manifest-" + manifestDigest;
    }

    public static String configStream(String configDigest) {
        return "oci-config-" + configDigest;
    }

    public static String blobStream(String blobDigest) {
        return "oci-blob-" + blobDigest;
    }

    /** {@code sha256:<hex>} of bytes, as OCI digests are written. */
    public static String sha256(byte[] data) {
        try (HashContext sha = HashContext.sha256()) {
            sha.update(data);
            return "sha256:" + HexFormat.of().formatHex(sha.digest());
        }
    }

    /**
     * Percent-encodes a tag into one file name: '/', '%', control bytes, DEL and a leading '.'
     * are written as {@code %XX} (UTF-8 bytes); everything else stays.
     */
    public static String encodeTag(String tag) {
        if (tag == null || tag.isEmpty()) {
            throw new IllegalArgumentException("empty image name");
        }
        StringBuilder sb = new StringBuilder();
        byte[] b = tag.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            int c = b[i] & 0xff;
            if (c == '/' || c == '%' || c < 0x20 || c == 0x7f || (i == 0 && c == '.')) {
                sb.append('%').append(String.format("%02X", c));
            } else {
                sb.append((char) c);
            }
        }
        // Non-ASCII UTF-8 bytes were appended as chars; re-decode them as UTF-8.
        return new String(sb.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    public static String decodeTag(String encoded) {
        byte[] raw = encoded.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == '%' && i + 2 < raw.length) {
                int hi = Character.digit(raw[i + 1], 16);
                int lo = Character.digit(raw[i + 2], 16);
                if (hi >= 0 && lo >= 0) {
                    out.write(hi * 16 + lo);
                    i += 2;
                    continue;
                }
            }
            out.write(raw[i]);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String tagRef(String tag) {
        return TAG_PREFIX + "/" + encodeTag(tag);
    }

    /**
     * Stores a pulled image's metadata: the config (checks its sha256 against the manifest's
     * {@code config.digest}, and that every layer of its {@code rootfs.diff_ids} is already
     * imported) then the manifest, and, if {@code tag} is not null, points the tag at it. The
     * raw bytes are stored as given. Takes the repository lock shared. Idempotent: an image
     * stored before keeps its streams (and the composefs image recorded on its config).
     *
     * @return the stored image
     */
    public static OciImage store(Repository repo, byte[] manifestJson, byte[] configJson, String tag) throws IOException {
        return store(repo, manifestJson, configJson, tag, Optional.empty());
    }

    /**
     * As {@link #store(Repository, byte[], byte[], String)}, with the composefs image already
     * built from the layers ({@link ImageBuilder#buildImage}) recorded on the config: written
     * into a new config stream, or added to an existing one ({@link #recordImage}).
     */
    public static OciImage store(Repository repo, byte[] manifestJson, byte[] configJson, String tag,
            Optional<ObjectId> imageId) throws IOException {
        JsonNode manifest = parse(manifestJson, "manifest");
        if (manifest.has("manifests")) {
            throw new RepositoryException("the manifest is an image index; choose a platform's manifest to store");
        }
        String configDigest = manifest.path("config").path("digest").asText("");
        if (!SHA256.matcher(configDigest).matches()) {
            throw new RepositoryException("manifest config digest '" + configDigest + "' is not a sha256 digest");
        }
        String actualConfig = sha256(configJson);
        if (!actualConfig.equals(configDigest)) {
            throw new RepositoryException("config has digest " + actualConfig + " but the manifest says " + configDigest);
        }
        List<String> diffIds = diffIds(parse(configJson, "config"));
        int layers = manifest.path("layers").size();
        if (layers != diffIds.size()) {
            throw new RepositoryException("the manifest has " + layers + " layers but the config lists " + diffIds.size()
                    + " diff_ids");
        }
        String manifestDigest = sha256(manifestJson);
        try (RepoLock lock = repo.lock(RepoLock.Mode.SHARED)) {
            List<ObjectId> layerStreams = new ArrayList<>();
            for (String d : diffIds) {
                layerStreams.add(repo.streams().get("oci-layer-" + d).orElseThrow(() -> new RepositoryException(
                        "layer " + d + " has not been imported; import all layers before the manifest")));
            }
            String cName = configStream(configDigest);
            ObjectId configId = repo.streams().get(cName).orElse(null);
            if (configId == null) {
                try (SplitStreamWriter w = new SplitStreamWriter(repo.objects(), SplitStreamFormat.CONTENT_OCI_CONFIG)) {
                    w.writeExternal(configJson);
                    for (int i = 0; i < diffIds.size(); i++) {
                        w.addNamedRef(diffIds.get(i), layerStreams.get(i));
                    }
                    if (imageId.isPresent()) {
                        w.addNamedRef(IMAGE_REF, imageId.get());
                    }
                    configId = w.finish();
                }
                repo.streams().link(cName, configId);
            }
            String mName = manifestStream(manifestDigest);
            Optional<ObjectId> existing = repo.streams().get(mName);
            boolean current = existing.isPresent() && SplitStreamReader.open(repo.objects(), existing.get())
                    .namedRef(CONFIG_REF_PREFIX + configDigest).filter(configId::equals).isPresent();
            if (!current) {
                repo.streams().link(mName, writeManifest(repo, manifestJson, configDigest, configId, diffIds, layerStreams));
            }
            if (imageId.isPresent()) { // a config stored before without it (or with another build)
                recordImage(repo, load(repo, null, manifestDigest), imageId.get());
            }
            if (tag != null) {
                setTag(repo, tag, manifestDigest);
            }
            return load(repo, tag, manifestDigest);
        }
    }

    private static ObjectId writeManifest(Repository repo, byte[] manifestJson, String configDigest, ObjectId configId,
            List<String> diffIds, List<ObjectId> layerStreams) throws IOException {
        try (SplitStreamWriter w = new SplitStreamWriter(repo.objects(), SplitStreamFormat.CONTENT_OCI_MANIFEST)) {
            w.writeExternal(manifestJson);
            w.addNamedRef(CONFIG_REF_PREFIX + configDigest, configId);
            for (int i = 0; i < diffIds.size(); i++) {
                w.addNamedRef(diffIds.get(i), layerStreams.get(i));
            }
            return w.finish();
        }
    }

    /**
     * Points {@code tag} at an already stored manifest, and its image ref at the composefs
     * image built from it: set before the tag moves when there is one (a crash in between
     * leaves both images reachable), removed after it when there is none (so that the old
     * image is not kept alive by a ref the tag no longer explains).
     */
    public static void tag(Repository repo, String tag, String manifestDigest) throws IOException {
        try (RepoLock lock = repo.lock(RepoLock.Mode.SHARED)) {
            setTag(repo, tag, manifestDigest);
        }
    }

    /** {@link #tag} under a lock the caller holds. */
    private static void setTag(Repository repo, String tag, String manifestDigest) throws IOException {
        Optional<ObjectId> image = load(repo, tag, manifestDigest).imageId().filter(repo.images()::has);
        if (image.isPresent()) {
            repo.images().setRef(tagRef(tag), image.get());
        }
        repo.streams().setRef(tagRef(tag), manifestStream(manifestDigest));
        if (image.isEmpty()) {
            repo.images().removeRef(tagRef(tag));
        }
    }

    /**
     * Removes a tag exactly as stored, with its image ref; the manifest, config, layers and
     * image stay until gc finds nothing else reaching them. Takes the repository lock shared,
     * as {@link #tag} does. The image ref goes first: a crash in between leaves the tag, which
     * still reaches its image through the config, and the next untag finishes the work.
     *
     * @return false if there was no such tag
     */
    public static boolean untag(Repository repo, String tag) throws IOException {
        try (RepoLock lock = repo.lock(RepoLock.Mode.SHARED)) {
            return removeTagRef(repo, tagRef(tag));
        }
    }

    /**
     * Removes what {@code nameOrDigest} names, as {@link #resolve} finds it: the tag (a name
     * without a tag also tries {@code :latest}), or for a manifest digest {@code sha256:<hex>}
     * every tag naming that manifest. Takes the repository lock shared.
     *
     * @return the tags removed, sorted
     * @throws NoSuchImageException if nothing of that name or digest is tagged
     */
    public static List<String> untagAll(Repository repo, String nameOrDigest) throws IOException {
        try (RepoLock lock = repo.lock(RepoLock.Mode.SHARED)) {
            List<String> removed = new ArrayList<>();
            if (SHA256.matcher(nameOrDigest).matches()) {
                String manifest = manifestStream(nameOrDigest);
                for (String ref : repo.streams().listRefs(TAG_PREFIX)) {
                    // By the ref as listed, so that a ref named in another spelling goes too.
                    if (repo.streams().ref(ref).filter(manifest::equals).isPresent() && removeTagRef(repo, ref)) {
                        removed.add(decodeTag(ref.substring(TAG_PREFIX.length() + 1)));
                    }
                }
            } else {
                for (String candidate : candidates(nameOrDigest)) {
                    if (removeTagRef(repo, tagRef(candidate))) {
                        removed.add(candidate);
                        break;
                    }
                }
            }
            if (removed.isEmpty()) {
                throw new NoSuchImageException(nameOrDigest, "no image named " + nameOrDigest);
            }
            return removed;
        }
    }

    /** {@link #untag} under a lock the caller holds. */
    private static boolean removeTagRef(Repository repo, String ref) throws IOException {
        if (repo.streams().ref(ref).isEmpty()) {
            return false;
        }
        repo.images().removeRef(ref);
        return repo.streams().removeRef(ref);
    }

    /**
     * Finds an image by tag (exactly as stored; a name without a tag also tries {@code :latest}),
     * or by manifest digest {@code sha256:<hex>}.
     *
     * @throws NoSuchImageException if there is no such image
     */
    public static OciImage resolve(Repository repo, String nameOrDigest) throws IOException {
        if (SHA256.matcher(nameOrDigest).matches()) {
            return load(repo, null, nameOrDigest);
        }
        for (String candidate : candidates(nameOrDigest)) {
            Optional<String> stream = repo.streams().ref(tagRef(candidate));
            if (stream.isPresent()) {
                String s = stream.get();
                if (!s.startsWith("oci-manifest-")) {
                    throw new RepositoryException("tag " + candidate + " does not name a manifest (" + s + ")");
                }
                return load(repo, candidate, s.substring("oci-manifest-".length()));
            }
        }
        throw new NoSuchImageException(nameOrDigest, "no image named " + nameOrDigest + " in " + repo.root() + " (see 'cfsj oci images')");
    }

    private static List<String> candidates(String name) {
        int slash = name.lastIndexOf('/');
        boolean hasTag = name.indexOf(':', slash + 1) >= 0 || name.contains("@");
        return hasTag ? List.of(name) : List.of(name, name + ":latest");
    }

    private static OciImage load(Repository repo, String tag, String manifestDigest) throws IOException {
        String mName = manifestStream(manifestDigest);
        ObjectId mId = repo.streams().get(mName).orElseThrow(
                () -> new NoSuchImageException(manifestDigest, "manifest " + manifestDigest + " is not in the repository"));
        SplitStreamReader m = SplitStreamReader.open(repo.objects(), mId).requireContentType(SplitStreamFormat.CONTENT_OCI_MANIFEST, "a manifest");
        String configDigest = null;
        ObjectId cId = null;
        for (Map.Entry<String, ObjectId> e : m.namedRefs().entrySet()) {
            if (e.getKey().startsWith(CONFIG_REF_PREFIX)) {
                configDigest = e.getKey().substring(CONFIG_REF_PREFIX.length());
                cId = e.getValue();
            }
        }
        if (cId == null) {
            throw new RepositoryException("manifest stream " + mId + " has no config reference");
        }
        SplitStreamReader c = SplitStreamReader.open(repo.objects(), cId).requireContentType(SplitStreamFormat.CONTENT_OCI_CONFIG, "a config");
        byte[] configJson = c.readContent();
        byte[] manifestJson = m.readContent();
        Optional<ObjectId> imageId = c.namedRef(IMAGE_REF).filter(repo.objects()::has);
        return new OciImage(tag, manifestDigest, configDigest, diffIds(parse(configJson, "config")), manifestJson,
                configJson, imageId, mId, cId);
    }

    /** All tagged images, by tag. Tags whose content is damaged are skipped. */
    public static List<ImageSummary> list(Repository repo) throws IOException {
        List<ImageSummary> out = new ArrayList<>();
        for (String ref : repo.streams().listRefs(TAG_PREFIX)) {
            String tag = decodeTag(ref.substring(TAG_PREFIX.length() + 1));
            OciImage img;
            try {
                img = resolve(repo, tag);
            } catch (RepositoryException e) {
                continue;
            }
            JsonNode manifest = parse(img.manifest(), "manifest");
            long size = manifest.path("config").path("size").asLong(0);
            for (JsonNode l : manifest.path("layers")) {
                size += l.path("size").asLong(0);
            }
            String created = parse(img.config(), "config").path("created").asText("");
            out.add(new ImageSummary(tag, img.manifestDigest(), img.imageId(), size, created));
        }
        return out;
    }

    /**
     * Records on the image's config that {@code imageId} was built from it (the config and
     * manifest splitstreams are rewritten with the extra named ref and relinked, as composefs-rs
     * does), and sets {@code images/refs/oci/<tag>} when the image has a tag. The image must be
     * linked under {@code images/} already. Caller holds the lock (shared).
     */
    public static void recordImage(Repository repo, OciImage image, ObjectId imageId) throws IOException {
        SplitStreamReader config = SplitStreamReader.open(repo.objects(), image.configStream());
        if (!config.namedRef(IMAGE_REF).filter(imageId::equals).isPresent()) {
            ObjectId newConfig;
            try (SplitStreamWriter w = new SplitStreamWriter(repo.objects(), SplitStreamFormat.CONTENT_OCI_CONFIG)) {
                copyContent(repo, config, w);
                config.namedRefs().forEach(w::addNamedRef);
                w.addNamedRef(IMAGE_REF, imageId);
                newConfig = w.finish();
            }
            repo.streams().link(configStream(image.configDigest()), newConfig);

            SplitStreamReader manifest = SplitStreamReader.open(repo.objects(), image.manifestStream());
            try (SplitStreamWriter mw = new SplitStreamWriter(repo.objects(), SplitStreamFormat.CONTENT_OCI_MANIFEST)) {
                copyContent(repo, manifest, mw);
                manifest.namedRefs().forEach(mw::addNamedRef);
                mw.addNamedRef(CONFIG_REF_PREFIX + image.configDigest(), newConfig);
                repo.streams().link(manifestStream(image.manifestDigest()), mw.finish());
            }
        }
        // Only while the tag still names this manifest: a pull may have moved it meanwhile.
        if (image.name() != null && repo.streams().ref(tagRef(image.name()))
                .filter(manifestStream(image.manifestDigest())::equals).isPresent()) {
            repo.images().setRef(tagRef(image.name()), imageId);
        }
    }

    private static void copyContent(Repository repo, SplitStreamReader from, SplitStreamWriter to) throws IOException {
        try (SplitStreamReader.ChunkIterator it = from.chunks()) {
            for (Chunk c = it.next(); c != null; c = it.next()) {
                switch (c) {
                    case Chunk.Inline in -> to.writeInline(in.data());
                    case Chunk.External ex -> to.writeExternal(ex.id(), Files.size(repo.objects().path(ex.id())));
                }
            }
        }
    }

    private static List<String> diffIds(JsonNode config) throws RepositoryException {
        JsonNode ids = config.path("rootfs").path("diff_ids");
        if (!ids.isArray()) {
            throw new RepositoryException("config has no rootfs.diff_ids");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode d : ids) {
            String s = d.asText("");
            if (!SHA256.matcher(s).matches()) {
                throw new RepositoryException("config diff_id '" + s + "' is not a sha256 digest");
            }
            out.add(s);
        }
        return out;
    }

    static JsonNode parse(byte[] json, String what) throws RepositoryException {
        try {
            JsonNode n = JSON.readTree(json);
            if (n == null || !n.isObject()) {
                throw new RepositoryException("the " + what + " is not a JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new RepositoryException("the " + what + " is not valid JSON: " + e.getMessage());
        }
    }
}
