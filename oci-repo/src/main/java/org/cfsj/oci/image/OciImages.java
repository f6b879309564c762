package org.cfsj.oci.image;

import java.io.IOException;
import java.util.List;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.Repository;

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
 * </pre>
 *
 * A tag therefore keeps the manifest, config, layers and built image alive through gc.
 */
public final class OciImages {
    /** Ref directory of tags under {@code streams/refs/}. */
    public static final String TAG_PREFIX = "oci";
    /** Named ref on the config splitstream naming the composefs image built from it. */
    public static final String IMAGE_REF = "composefs.image";

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

    /** Percent-encodes a tag for use as a file name ('/' and '%' and control bytes are encoded). */
    public static String encodeTag(String tag) {
        throw new UnsupportedOperationException("in progress");
    }

    public static String decodeTag(String encoded) {
        throw new UnsupportedOperationException("in progress");
    }

    /**
     * Stores a pulled image's metadata: the config (checks its sha256 against the manifest's
     * {@code config.digest}, and that every layer of its {@code rootfs.diff_ids} is already
     * imported) then the manifest, and, if {@code tag} is not null, points the tag at it. The
     * raw bytes are stored as given. Takes the repository lock shared. Idempotent.
     *
     * @return the stored image (without an image id unless one was built before)
     */
    public static OciImage store(Repository repo, byte[] manifestJson, byte[] configJson, String tag) throws IOException {
        throw new UnsupportedOperationException("in progress");
    }

    /** Points {@code tag} at an already stored manifest. */
    public static void tag(Repository repo, String tag, String manifestDigest) throws IOException {
        throw new UnsupportedOperationException("in progress");
    }

    /** Removes a tag (its content stays until gc). Returns false if there was no such tag. */
    public static boolean untag(Repository repo, String tag) throws IOException {
        throw new UnsupportedOperationException("in progress");
    }

    /**
     * Finds an image by tag (exactly as stored; a name without a tag also tries {@code :latest}),
     * or by manifest digest {@code sha256:<hex>}.
     *
     * @throws org.cfsj.repo.RepositoryException if there is no such image
     */
    public static OciImage resolve(Repository repo, String nameOrDigest) throws IOException {
        throw new UnsupportedOperationException("in progress");
    }

    /** All tagged images, by tag. */
    public static List<ImageSummary> list(Repository repo) throws IOException {
        throw new UnsupportedOperationException("in progress");
    }

    /**
     * Records on the image's config that {@code imageId} was built from it (the config and
     * manifest splitstreams are rewritten with the extra named ref and relinked, as composefs-rs
     * does), and sets {@code images/refs/oci/<tag>} when the image has a tag.
     */
    public static void recordImage(Repository repo, OciImage image, ObjectId imageId) throws IOException {
        throw new UnsupportedOperationException("in progress");
    }
}
