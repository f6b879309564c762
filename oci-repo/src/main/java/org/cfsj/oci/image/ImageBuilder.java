package org.cfsj.oci.image;

import java.io.IOException;
import org.cfsj.repo.ObjectId;
import org.cfsj.repo.Repository;
import org.cfsj.tree.Directory;

/**
 * Builds the composefs image of a stored OCI image: rebuilds each layer's tree from its
 * splitstream, merges them bottom-up ({@link LayerMerger}: OCI whiteouts, opaque directories,
 * most-derived directory metadata, root metadata from {@code /usr}, {@code /run} emptied),
 * writes the EROFS image with {@link org.cfsj.image.ComposefsImageWriter} into the object
 * store, links {@code images/<id>} and records it on the config. The id is the image's
 * fs-verity digest, a function of the layers alone: same layers, same id, on any machine.
 */
public final class ImageBuilder {
    private ImageBuilder() {}

    /** Builds (or finds, if already built) the composefs image of {@code nameOrDigest}. Lock: shared. */
    public static ObjectId createImage(Repository repo, String nameOrDigest) throws IOException {
        throw new UnsupportedOperationException("in progress");
    }

    /** The merged tree of an image's layers, as it goes into the composefs image. */
    public static Directory mergedTree(Repository repo, OciImage image) throws IOException {
        throw new UnsupportedOperationException("in progress");
    }
}
